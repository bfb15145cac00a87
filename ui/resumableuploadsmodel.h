#pragma once

#include "upload/resumableinfo.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace sluice::ui {

// The unfinished resumable uploads (tus) as last listed by the service, one
// row each, soonest to expire first. The list arrives whole: the same uploads
// in the same order change in place, anything else resets.
class ResumableUploadsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Account, Received, Expires, ColumnCount };
    enum Role {
        UploadIdRole = Qt::UserRole + 1,
        FractionRole, // Received: offset / length, or -1 while the length is deferred
    };

    explicit ResumableUploadsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void reset(const QList<upload::ResumableInfo> &uploads);
    const upload::ResumableInfo *find(const QString &id) const;
    int rowOf(const QString &id) const;

    // The time Expires counts from; the wall clock unless a test sets it.
    void setNow(const QDateTime &now) { m_now = now; }

    // "40 B of 100 B", or "40 B, length deferred".
    static QString receivedText(const upload::ResumableInfo &upload);
    // "in 23 h", or "expired".
    static QString expiresText(const upload::ResumableInfo &upload, const QDateTime &now);
    // A name for people: the file name the client gave, else the id.
    static QString displayName(const upload::ResumableInfo &upload);

private:
    QDateTime now() const;

    QList<upload::ResumableInfo> m_uploads;
    QDateTime m_now;
};

} // namespace sluice::ui
