// The Uploads tab, run twice as tst_windoweitherway runs the window: on the
// embedded Service in this process, and through RemoteServiceFacade on a
// sluiced child. Files come in over HTTP; the tab is driven through its
// widgets; the effect is checked over HTTP and on the data dir.
#include "daemon.h"
#include "testsupport.h"

#include "mainwindow.h"
#include "questiontesting.h"
#include "resumableuploadsmodel.h"
#include "resumableuploadspane.h"
#include "uploadsmodel.h"
#include "uploadspage.h"
#include "windowtarget.h"

#include "config/config.h"
#include "remote/remoteservicefacade.h"
#include "service/service.h"

#include <QAction>
#include <QBuffer>
#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;

namespace {

const QByteArray Csv = "id,name,note\r\n1,alpha,x\r\n2,beta,y\r\n3,gamma,z\r\n";

QByteArray pngBytes(int w, int h)
{
    QImage image(w, h, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

// The window on a service with an admin and the account alice, embedded or
// a sluiced child.
struct Target : testing::WindowTarget
{
    QString alice;

    bool start()
    {
        const bool started = startWindow([this](config::LoadedConfig &loaded) {
            if (auto added = loaded.config.addToken(u"alice"_s, false))
                alice = *added;
            loaded.config.datasets.clear();
            loaded.config.limits.metricsIntervalMs = 200;
            loaded.config.limits.minFreeDiskBytes = 0;
            return !alice.isEmpty();
        });
        if (!started)
            return false;
        window->tabs()->setCurrentWidget(page());
        return true;
    }
    ui::UploadsPage *page() const { return window->uploadsPage(); }

    Reply call(const QByteArray &method, const QByteArray &path)
    {
        return request(port,
                       method + ' ' + path + " HTTP/1.1\r\nHost: x\r\n" + bearer(token)
                           + "Connection: close\r\n\r\n",
                       10'000);
    }
    // PUT /uploads/NAME; the new upload's id.
    QString put(const QByteArray &name, const QByteArray &body, const QByteArray &type,
                const QString &as = {})
    {
        const Reply r = request(port,
                                "PUT /uploads/" + name + " HTTP/1.1\r\nHost: x\r\n"
                                    + bearer(as.isEmpty() ? token : as) + "Content-Type: " + type
                                    + "\r\nContent-Length: " + QByteArray::number(body.size())
                                    + "\r\nConnection: close\r\n\r\n" + body,
                                15'000);
        return r.status == 201 ? QJsonDocument::fromJson(r.body).object().value(u"id"_s).toString()
                               : QString();
    }

    const upload::UploadRecord *inTab(const QString &id) const { return page()->model()->find(id); }
    bool done(const QString &id) const
    {
        const upload::UploadRecord *u = inTab(id);
        return u && u->processing == upload::ProcessingState::Done;
    }
    QString processingShown(const QString &id) const
    {
        const int row = page()->model()->rowOf(id);
        return row < 0
            ? QString()
            : page()->model()->index(row, ui::UploadsModel::Processing).data().toString();
    }

    bool select(const QString &id)
    {
        ui::UploadsPage *p = page();
        const int sourceRow = p->model()->rowOf(id);
        if (sourceRow < 0)
            return false;
        const QModelIndex shown = p->filterModel()->mapFromSource(p->model()->index(sourceRow, 0));
        if (!shown.isValid())
            return false;
        p->view()->selectionModel()->clear();
        p->view()->selectRow(shown.row());
        return p->selectedIds() == QStringList {id};
    }

    // Clicks the tab's toolbar button for the action.
    bool click(const QString &objectName)
    {
        auto *action = page()->findChild<QAction *>(objectName);
        if (!action || !action->isEnabled())
            return false;
        for (QToolButton *b : page()->findChildren<QToolButton *>()) {
            if (b->defaultAction() == action && b->isVisible()) {
                QTest::mouseClick(b, Qt::LeftButton);
                return true;
            }
        }
        return false;
    }

    // POST /files/ (tus): the new upload's id, from its Location.
    QString createResumable(const QByteArray &headers)
    {
        const Reply r = request(port,
                                "POST /files/ HTTP/1.1\r\nHost: x\r\n" + bearer(token)
                                    + "Tus-Resumable: 1.0.0\r\n" + headers
                                    + "Content-Length: 0\r\nConnection: close\r\n\r\n",
                                10'000);
        const QByteArray location = r.header("location");
        return r.status == 201 && location.startsWith("/files/")
            ? QString::fromLatin1(location.mid(7))
            : QString();
    }
    // The ids GET /files/ lists, or {"?"} when it does not answer.
    QStringList listResumable()
    {
        const Reply r = request(port,
                                "GET /files/ HTTP/1.1\r\nHost: x\r\n" + bearer(token)
                                    + "Tus-Resumable: 1.0.0\r\nConnection: close\r\n\r\n",
                                10'000);
        if (r.status != 200)
            return {u"?"_s};
        QStringList ids;
        for (const QJsonValue &v :
             QJsonDocument::fromJson(r.body).object().value(u"uploads"_s).toArray())
            ids << v.toObject().value(u"id"_s).toString();
        return ids;
    }
    // PATCH /files/ID from offset 0 with `body`, its second half sent 1.5 s
    // after the first, so that the request is in flight across a sample of
    // the transfers, as any chunk that takes a while is; the status.
    int patchSlowly(const QString &id, const QByteArray &body)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(5'000))
            return 0;
        const qsizetype half = body.size() / 2;
        socket.write("PATCH /files/" + id.toLatin1() + " HTTP/1.1\r\nHost: x\r\n" + bearer(token)
                     + "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                       "Upload-Offset: 0\r\nContent-Length: "
                     + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n"
                     + body.left(half));
        QTest::qWait(1'500); // the window's event loop runs meanwhile
        socket.write(body.mid(half));
        QByteArray answer;
        if (!QTest::qWaitFor(
                [&] {
                    answer += socket.readAll();
                    return answer.contains("\r\n\r\n");
                },
                10'000))
            return 0;
        return answer.mid(9, 3).toInt(); // "HTTP/1.1 204"
    }

    // Stored files of the upload (its file, its thumbnail).
    QStringList storedFilesOf(const QString &id) const
    {
        return QDir(dir.filePath(u"uploads"_s)).entryList({id + u"*"_s}, QDir::Files);
    }
};

} // namespace

class tst_UploadsPage : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void uploadsShowWithProcessingAndThumbnail_data() { facades(); }
    void uploadsShowWithProcessingAndThumbnail();
    void saveAsWritesTheSameBytes_data() { facades(); }
    void saveAsWritesTheSameBytes();
    void deleteAsksThenRemoves_data() { facades(); }
    void deleteAsksThenRemoves();
    void searchAndFiltersNarrow_data() { facades(); }
    void searchAndFiltersNarrow();
    void unfinishedResumableListedAndDeleted_data() { facades(); }
    void unfinishedResumableListedAndDeleted();

private:
    static void facades();
    QTemporaryDir m_settingsDir;
};

void tst_UploadsPage::facades()
{
    QTest::addColumn<bool>("remote");
    QTest::newRow("embedded") << false;
    QTest::newRow("remote sluiced") << true;
}

void tst_UploadsPage::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
}

void tst_UploadsPage::uploadsShowWithProcessingAndThumbnail()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    const QString csv = t.put("orders.csv", Csv, "text/csv");
    const QString png = t.put("photo.png", pngBytes(640, 480), "image/png");
    QVERIFY(!csv.isEmpty() && !png.isEmpty());

    // Their processing jobs bring them in, pending, then done.
    QTRY_VERIFY_WITH_TIMEOUT(t.done(csv) && t.done(png), 30'000);
    QCOMPARE(t.processingShown(csv), u"done, 3 rows \u00d7 3 columns"_s);
    QCOMPARE(t.processingShown(png), u"done, 640 \u00d7 480"_s);
    const upload::UploadRecord *u = t.inTab(csv);
    QCOMPARE(u->name, u"orders.csv"_s);
    QCOMPARE(u->size, Csv.size());
    QCOMPARE(u->account, u"operator"_s); // the first-run admin
    const int row = t.page()->model()->rowOf(csv);
    const QModelIndex sha = t.page()->model()->index(row, ui::UploadsModel::Sha256);
    QCOMPARE(sha.data(Qt::ToolTipRole).toString(), QString::fromLatin1(u->sha256));
    QVERIFY(u->sha256.startsWith(sha.data().toString().chopped(1).toLatin1()));
    auto *summary = t.page()->findChild<QLabel *>(u"uploadsSummary"_s);
    QVERIFY(summary);
    QCOMPARE(summary->text(), u"Showing 2 of 2 uploads"_s);

    // The image's thumbnail in the detail pane; none for the CSV.
    auto *thumbnail = t.page()->findChild<QLabel *>(u"uploadThumbnail"_s);
    QVERIFY(thumbnail);
    QVERIFY(t.select(png));
    QTRY_VERIFY_WITH_TIMEOUT(!thumbnail->pixmap().isNull(), 10'000);
    QVERIFY(thumbnail->isVisible());
    QCOMPARE(thumbnail->pixmap().width(), 256); // 640 × 480, 256 a side at most
    QCOMPARE(thumbnail->pixmap().height(), 192);
    QVERIFY(t.select(csv));
    QTRY_VERIFY(thumbnail->pixmap().isNull());
    QVERIFY(!thumbnail->isVisible());
    // Show in folder only where the file is on this machine.
    auto *folder = t.page()->findChild<QAction *>(u"showUploadInFolderAction"_s);
    QVERIFY(folder);
    QCOMPARE(folder->isVisible(), !remote);
    QCOMPARE(folder->isEnabled(), !remote);
}

void tst_UploadsPage::saveAsWritesTheSameBytes()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    // Larger than any buffer on the way, so that it arrives in many pieces.
    QByteArray big = "n,text\r\n";
    for (int i = 0; big.size() < 3 * 1024 * 1024; ++i)
        big += QByteArray::number(i) + ",some words of text in a field\r\n";
    const QString id = t.put("big.csv", big, "text/csv");
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(t.inTab(id), 10'000);

    QTemporaryDir out;
    QString asked;
    const QString target = out.filePath(u"copy.csv"_s);
    t.page()->setSavePathChooser([&](const QString &suggested) {
        asked = suggested;
        return target;
    });
    QSignalSpy saved(&t.service(), &service::ServiceFacade::uploadSaveFinished);
    QVERIFY(t.select(id));
    QVERIFY(t.click(u"saveUploadAction"_s));
    QVERIFY(saved.wait(15'000));
    QCOMPARE(asked, u"big.csv"_s);
    QVERIFY2(saved.first().at(2).toBool(), qPrintable(saved.first().at(3).toString()));
    QFile file(target);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll() == big);
    QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden), QStringList {u"copy.csv"_s});
    auto *message = t.page()->findChild<QLabel *>(u"uploadsMessage"_s);
    QVERIFY(message->text().startsWith(u"Saved big.csv to "_s));

    // A folder that is not there: the error, and nothing written.
    const QString nowhere = out.filePath(u"missing/copy.csv"_s);
    t.page()->setSavePathChooser([&](const QString &) { return nowhere; });
    QVERIFY(t.click(u"saveUploadAction"_s));
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 2, 15'000);
    QVERIFY(!saved.last().at(2).toBool());
    QVERIFY(saved.last().at(3).toString().contains(nowhere));
    QVERIFY(!QFile::exists(nowhere));
    QVERIFY(message->text().startsWith(u"Could not save big.csv: "_s));

    // Deleted meanwhile: the service's reason, and nothing at the path.
    QCOMPARE(t.call("DELETE", "/uploads/" + id.toLatin1()).status, 204);
    const QString gone = out.filePath(u"gone.csv"_s);
    t.service().saveUpload(id, gone);
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 3, 15'000);
    QVERIFY(!saved.last().at(2).toBool());
    QVERIFY2(saved.last().at(3).toString().contains(u"no upload %1"_s.arg(id)),
             qPrintable(saved.last().at(3).toString()));
    QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden), QStringList {u"copy.csv"_s});
}

void tst_UploadsPage::deleteAsksThenRemoves()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    const QString png = t.put("photo.png", pngBytes(64, 48), "image/png");
    const QString csv = t.put("orders.csv", Csv, "text/csv");
    QTRY_VERIFY_WITH_TIMEOUT(t.done(png) && t.done(csv), 30'000);
    QCOMPARE(t.storedFilesOf(png).size(), 2); // the file and its thumbnail

    // Asked, and refused: nothing happens.
    auto asked = std::make_shared<bool>(false);
    QVERIFY(t.select(png));
    sluice::testing::answerQuestion(u"deleteUploadsQuestion"_s, u"Cancel"_s, asked);
    QVERIFY(t.click(u"deleteUploadsAction"_s));
    QVERIFY(*asked);
    QTest::qWait(200);
    QVERIFY(t.inTab(png));
    QCOMPARE(t.call("GET", "/uploads/" + png.toLatin1()).status, 200);

    // Asked, and confirmed: the record and its files go, and the tab says so.
    *asked = false;
    QSignalSpy answers(&t.service(), &service::ServiceFacade::uploadCommandFinished);
    sluice::testing::answerQuestion(u"deleteUploadsQuestion"_s, u"Delete"_s, asked);
    QVERIFY(t.click(u"deleteUploadsAction"_s));
    QVERIFY(*asked);
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 10'000);
    const auto answer = answers.first().first().value<service::UploadCommandResult>();
    QVERIFY2(answer.ok, qPrintable(answer.message));
    QCOMPARE(answer.uploadId, png);
    QTRY_VERIFY_WITH_TIMEOUT(!t.inTab(png), 10'000);
    QVERIFY(t.inTab(csv));
    QCOMPARE(t.call("GET", "/uploads/" + png.toLatin1()).status, 404);
    QVERIFY(t.storedFilesOf(png).isEmpty());
    QCOMPARE(t.storedFilesOf(csv).size(), 1);

    // One already gone answers with the service's reason.
    t.service().removeUploads({png});
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 2, 10'000);
    const auto again = answers.last().first().value<service::UploadCommandResult>();
    QVERIFY(!again.ok);
    QCOMPARE(again.message, u"no upload %1"_s.arg(png));
}

void tst_UploadsPage::searchAndFiltersNarrow()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    const QString orders = t.put("orders.csv", Csv, "text/csv");
    const QString notes = t.put("notes.csv", "a,b\r\n1,2\r\n", "text/csv", t.alice);
    // Its processing fails: a quote that never closes.
    const QString broken = t.put("broken.csv", "a,b\r\n\"open,2\r\n", "text/csv");
    QVERIFY(!orders.isEmpty() && !notes.isEmpty() && !broken.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(t.done(orders) && t.done(notes), 30'000);
    QTRY_VERIFY_WITH_TIMEOUT(
        t.inTab(broken) && t.inTab(broken)->processing != upload::ProcessingState::Pending, 30'000);

    ui::UploadsPage *page = t.page();
    auto *search = page->findChild<QLineEdit *>(u"uploadSearch"_s);
    auto *accounts = page->findChild<QComboBox *>(u"uploadAccountFilter"_s);
    auto *states = page->findChild<QComboBox *>(u"uploadProcessingFilter"_s);
    auto *clear = page->findChild<QToolButton *>(u"clearUploadFiltersButton"_s);
    auto *summary = page->findChild<QLabel *>(u"uploadsSummary"_s);
    QVERIFY(search && accounts && states && clear && summary);
    const auto shownIds = [page] {
        QStringList ids;
        for (int r = 0; r < page->filterModel()->rowCount(); ++r)
            ids << page->filterModel()->index(r, 0).data(ui::UploadsModel::UploadIdRole).toString();
        ids.sort();
        return ids;
    };
    QCOMPARE(shownIds().size(), 3);
    QVERIFY(!clear->isVisible());
    QVERIFY(!summary->font().bold());

    // By name, by the start of the checksum, by id.
    QTest::keyClicks(search, u"ORDERS"_s);
    QCOMPARE(shownIds(), QStringList {orders});
    QVERIFY(clear->isVisible());
    QVERIFY(summary->font().bold());
    QCOMPARE(summary->text(), u"Filtered: 1 match, showing 3 of 3 uploads"_s);
    search->setText(QString::fromLatin1(t.inTab(notes)->sha256.left(10)));
    QCOMPARE(shownIds(), QStringList {notes});
    search->setText(broken.mid(5, 12));
    QCOMPARE(shownIds(), QStringList {broken});
    search->clear();

    // By account: the drop-down offers the accounts the table holds.
    QTRY_VERIFY(accounts->findData(u"alice"_s) > 0);
    accounts->setCurrentIndex(accounts->findData(u"alice"_s));
    QCOMPARE(shownIds(), QStringList {notes});
    QVERIFY(clear->isVisible());
    accounts->setCurrentIndex(0);

    // By processing state.
    states->setCurrentIndex(states->findData(u"failed"_s));
    QCOMPARE(shownIds(), QStringList {broken});
    states->setCurrentIndex(states->findData(u"done"_s));
    QStringList done {orders, notes};
    done.sort();
    QCOMPARE(shownIds(), done);
    search->setText(u"notes"_s);
    QCOMPARE(shownIds(), QStringList {notes});

    // Clear filters: everything again, and the cue goes.
    QTest::mouseClick(clear, Qt::LeftButton);
    QCOMPARE(shownIds().size(), 3);
    QVERIFY(search->text().isEmpty());
    QCOMPARE(states->currentIndex(), 0);
    QVERIFY(!clear->isVisible());
    QCOMPARE(summary->text(), u"Showing 3 of 3 uploads"_s);
}

// Issue 24: the unfinished resumable uploads below the stored ones, with
// what has arrived of how much, when each expires, and Delete.
void tst_UploadsPage::unfinishedResumableListedAndDeleted()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    ui::ResumableUploadsPane *pane = t.page()->resumablePane();
    QVERIFY(pane);
    ui::ResumableUploadsModel *model = pane->model();
    auto *empty = pane->findChild<QLabel *>(u"resumableUploadsEmpty"_s);
    auto *message = t.page()->findChild<QLabel *>(u"uploadsMessage"_s);
    QVERIFY(empty && message);
    // None yet: one line says so, and there is no table.
    QTRY_VERIFY(empty->isVisible());
    QVERIFY(!pane->view()->isVisible());

    // One whose client has not said its length yet, and one of 100 bytes
    // that gets 40; the window learns of them as the PATCH runs and ends.
    const QString deferred = t.createResumable("Upload-Defer-Length: 1\r\n");
    const QString notes = t.createResumable("Upload-Length: 100\r\nUpload-Metadata: filename "
                                            + QByteArray("notes.txt").toBase64() + "\r\n");
    QVERIFY(!deferred.isEmpty() && !notes.isEmpty());
    QCOMPARE(t.patchSlowly(notes, QByteArray(40, 'a')), 204);
    QTRY_VERIFY_WITH_TIMEOUT(
        model->rowCount() == 2 && model->find(notes) && model->find(notes)->offset == 40, 5'000);
    QVERIFY(pane->view()->isVisible());
    QVERIFY(!empty->isVisible());
    const QModelIndex received
        = model->index(model->rowOf(notes), ui::ResumableUploadsModel::Received);
    QCOMPARE(model->index(received.row(), ui::ResumableUploadsModel::Name).data().toString(),
             u"notes.txt"_s);
    QCOMPARE(model->index(received.row(), ui::ResumableUploadsModel::Account).data().toString(),
             u"operator"_s);
    QCOMPARE(received.data().toString(), u"40 B of 100 B"_s);
    QCOMPARE(received.data(ui::ResumableUploadsModel::FractionRole).toDouble(), 0.4);
    QCOMPARE(model->index(received.row(), ui::ResumableUploadsModel::Expires).data().toString(),
             u"in 23 h"_s); // resumable_upload_ttl_ms: a day after its last byte
    const int row = model->rowOf(deferred);
    QCOMPARE(model->index(row, ui::ResumableUploadsModel::Received).data().toString(),
             u"0 B, length deferred"_s);
    QCOMPARE(model->index(row, ui::ResumableUploadsModel::Received)
                 .data(ui::ResumableUploadsModel::FractionRole)
                 .toDouble(),
             -1.0);
    QCOMPARE(model->index(row, ui::ResumableUploadsModel::Name).data().toString(), deferred);

    // Delete, asked and confirmed: it goes, over HTTP too; the other stays.
    pane->view()->selectionModel()->clear();
    pane->view()->selectRow(model->rowOf(notes));
    QCOMPARE(pane->selectedIds(), QStringList {notes});
    auto *action = pane->findChild<QAction *>(u"deleteResumableUploadsAction"_s);
    auto *button = pane->findChild<QToolButton *>(u"deleteResumableUploadsButton"_s);
    QVERIFY(action && button && action->isEnabled() && button->isVisible());
    auto asked = std::make_shared<bool>(false);
    QSignalSpy answers(&t.service(), &service::ServiceFacade::uploadCommandFinished);
    sluice::testing::answerQuestion(u"deleteResumableUploadsQuestion"_s, u"Delete"_s, asked);
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(*asked);
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 10'000);
    const auto answer = answers.first().first().value<service::UploadCommandResult>();
    QVERIFY2(answer.ok, qPrintable(answer.message));
    QCOMPARE(answer.uploadId, notes);
    QTRY_VERIFY_WITH_TIMEOUT(!model->find(notes), 5'000);
    QVERIFY(model->find(deferred));
    QCOMPARE(t.listResumable(), QStringList {deferred});
    QVERIFY(!QFile::exists(t.dir.filePath(u"resumable/%1.bin"_s.arg(notes))));

    // The last one, through the facade: the empty line again, and GET /files/ agrees.
    t.service().removeResumableUploads({deferred});
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 2, 10'000);
    pane->refresh();
    QTRY_VERIFY(empty->isVisible());
    QCOMPARE(model->rowCount(), 0);
    QVERIFY(!pane->view()->isVisible());
    QCOMPARE(t.listResumable(), QStringList());

    // One that is gone: refused, naming it.
    t.service().removeResumableUploads({notes});
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 3, 10'000);
    const auto again = answers.last().first().value<service::UploadCommandResult>();
    QVERIFY(!again.ok);
    QCOMPARE(again.message, u"no resumable upload %1"_s.arg(notes));
    // Answers to the other Delete are not the stored uploads' to show.
    QTest::qWait(100);
    QVERIFY(message->text().isEmpty());
}

QTEST_MAIN(tst_UploadsPage)
#include "tst_uploadspage.moc"
