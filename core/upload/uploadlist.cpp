#include "upload/uploadlist.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QStringBuilder>

using namespace Qt::StringLiterals;

namespace sluice::upload {

QString UploadCursor::toString() const
{
    return QString::number(createdAtMs) % u'-' % id;
}

std::optional<UploadCursor> UploadCursor::fromString(QStringView text)
{
    const qsizetype dash = text.indexOf(u'-');
    if (dash <= 0)
        return std::nullopt;
    bool ok = false;
    UploadCursor cursor;
    cursor.createdAtMs = text.first(dash).toLongLong(&ok);
    cursor.id = text.sliced(dash + 1).toString();
    if (!ok || cursor.createdAtMs < 0 || !isValidUploadId(cursor.id))
        return std::nullopt;
    return cursor;
}

namespace uploaddb {

Expected<UploadPage> list(QSqlDatabase &db, const UploadQuery &query)
{
    if (!query.all && query.ownerId.isEmpty())
        return UploadPage {}; // owns nothing, sees nothing
    QStringList where;
    QVariantList binds;
    if (!query.all) {
        where << u"account_id = ?"_s;
        binds << query.ownerId;
    }
    if (!query.account.isEmpty()) {
        where << u"account = ?"_s;
        binds << query.account;
    }
    const QString filter = where.isEmpty() ? QString() : u" WHERE "_s % where.join(u" AND "_s);
    const auto failed = [](const QSqlQuery &q) {
        return Error {u"uploads database: cannot list uploads: "_s % q.lastError().text()};
    };

    UploadPage page;
    QSqlQuery count(db);
    count.prepare(u"SELECT count(*) FROM uploads"_s % filter);
    for (const QVariant &v : std::as_const(binds))
        count.addBindValue(v);
    if (!count.exec() || !count.next())
        return failed(count);
    page.total = count.value(0).toInt();

    QStringList pageWhere = where;
    QVariantList pageBinds = binds;
    if (query.before) {
        pageWhere << u"(created_at < ? OR (created_at = ? AND id < ?))"_s;
        pageBinds << query.before->createdAtMs << query.before->createdAtMs << query.before->id;
    }
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // One more than asked: whether there is a next page.
    q.prepare(u"SELECT "_s % recordColumns() % u" FROM uploads"_s
              % (pageWhere.isEmpty() ? QString() : u" WHERE "_s % pageWhere.join(u" AND "_s))
              % u" ORDER BY created_at DESC, id DESC LIMIT ?"_s);
    for (const QVariant &v : std::as_const(pageBinds))
        q.addBindValue(v);
    q.addBindValue(query.limit + 1);
    if (!q.exec())
        return failed(q);
    while (q.next()) {
        if (page.uploads.size() == query.limit) {
            const UploadRecord &last = page.uploads.constLast();
            page.next = UploadCursor {last.createdAt.toMSecsSinceEpoch(), last.id};
            break;
        }
        page.uploads.append(recordAt(q));
    }
    return page;
}

} // namespace uploaddb

} // namespace sluice::upload
