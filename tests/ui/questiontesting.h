#pragma once

// Answers a modal question the window is about to ask (QMessageBox::exec()
// runs its own event loop, so the answer has to be queued before the click
// that asks it).

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QTimer>

#include <memory>

namespace sluice::testing {

// Clicks the button labelled `button` (mnemonic '&' ignored) of the next
// modal QMessageBox named `objectName`, within 5 s. *asked tells whether it
// came.
inline void answerQuestion(const QString &objectName, const QString &button,
                           std::shared_ptr<bool> asked = std::make_shared<bool>(false))
{
    auto tries = std::make_shared<int>(0);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [=] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (box && box->objectName() == objectName) {
            for (QAbstractButton *b : box->buttons()) {
                if (b->text().remove(u'&') == button) {
                    *asked = true;
                    b->click();
                    *poll = nullptr;
                    return;
                }
            }
        }
        if (++*tries < 500)
            QTimer::singleShot(10, *poll);
        else
            *poll = nullptr;
    };
    QTimer::singleShot(0, *poll);
}

} // namespace sluice::testing
