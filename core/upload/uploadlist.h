#pragma once

#include "upload/uploadrecord.h"
#include "util/expected.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace sluice::upload {

// Where a page of the list starts: below this upload, newest first.
struct UploadCursor
{
    qint64 createdAtMs = 0;
    QString id;

    // "MS-ID", as `next` of GET /uploads gives it: still valid after that
    // upload is deleted.
    QString toString() const;
    static std::optional<UploadCursor> fromString(QStringView text);
};

// GET /uploads: the newest uploads a caller may see.
struct UploadQuery
{
    static constexpr int DefaultLimit = 100;
    static constexpr int MaxLimit = 1000;

    int limit = DefaultLimit;
    std::optional<UploadCursor> before; // older than this one only
    QString account; // only this account's (its name); empty: every one visible
    // Whose uploads are visible: every account's when `all`, else only those
    // of `ownerId` (none when it is empty).
    bool all = false;
    QString ownerId;
};

struct UploadPage
{
    QList<UploadRecord> uploads; // newest first
    int total = 0; // visible and of `account`, whatever `before` and `limit`
    std::optional<UploadCursor> next; // more after these
};

namespace uploaddb {

Expected<UploadPage> list(QSqlDatabase &db, const UploadQuery &query);

} // namespace uploaddb

} // namespace sluice::upload
