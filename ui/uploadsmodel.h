#pragma once

#include "upload/uploadrecord.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

namespace sluice::ui {

// The newest stored uploads as last listed by the service, one row each.
// The list is bounded (UploadsPage::MaxUploads) and arrives whole, so a
// reset replaces the rows; rows that stay keep their place in the view.
class UploadsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Size, Type, Account, Sha256, Processing, Received, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value for sorting
        UploadIdRole,
        ProcessingRole, // "pending", "done", "failed", "not_queued"
    };

    explicit UploadsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void reset(const QList<upload::UploadRecord> &uploads);
    const upload::UploadRecord *find(const QString &id) const;
    const upload::UploadRecord *upload(int row) const;
    int rowOf(const QString &id) const;
    QStringList accounts() const; // distinct, sorted

    // "done, 3 rows × 3 columns", "done, 640 × 480", "failed: REASON", "pending".
    static QString processingText(const upload::UploadRecord &upload);

private:
    QVariant display(const upload::UploadRecord &upload, int column) const;
    QVariant sortValue(const upload::UploadRecord &upload, int column) const;

    QList<upload::UploadRecord> m_uploads;
    QHash<QString, int> m_rows; // id -> row
};

// Filters by account, processing state and free text (name, checksum, id).
class UploadsFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setAccountFilter(const QString &account); // empty: any
    void setProcessingFilter(const QString &state); // empty: any
    void setSearchText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_account, m_processing, m_search;
};

} // namespace sluice::ui
