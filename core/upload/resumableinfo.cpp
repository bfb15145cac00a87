#include "upload/resumableinfo.h"

#include "upload/uploadrecord.h"

#include <QJsonArray>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace sluice::upload {

namespace {

QString concatName(ResumableInfo::Concat concat)
{
    switch (concat) {
    case ResumableInfo::Concat::Partial:
        return u"partial"_s;
    case ResumableInfo::Concat::Final:
        return u"final"_s;
    case ResumableInfo::Concat::None:
        break;
    }
    return {};
}

} // namespace

QJsonObject ResumableInfo::toJson() const
{
    QJsonObject json {{u"id"_s, id},
                      {u"account_id"_s, accountId},
                      {u"account"_s, account},
                      {u"offset"_s, offset},
                      {u"metadata"_s, QString::fromLatin1(metadata)},
                      {u"name"_s, name},
                      {u"type"_s, declaredType},
                      {u"expires_ms"_s, expires.toMSecsSinceEpoch()},
                      {u"complete"_s, complete}};
    json.insert(u"length"_s, length ? QJsonValue(*length) : QJsonValue());
    if (concat != Concat::None)
        json.insert(u"concat"_s, concatName(concat));
    if (!parts.isEmpty())
        json.insert(u"parts"_s, QJsonArray::fromStringList(parts));
    return json;
}

std::optional<ResumableInfo> ResumableInfo::fromJson(const QJsonObject &json)
{
    ResumableInfo info;
    info.id = json.value(u"id"_s).toString();
    if (!isValidUploadId(info.id))
        return std::nullopt;
    info.accountId = json.value(u"account_id"_s).toString();
    info.account = json.value(u"account"_s).toString();
    info.offset = json.value(u"offset"_s).toInteger(-1);
    if (info.offset < 0)
        return std::nullopt;
    if (json.value(u"length"_s).isDouble())
        info.length = json.value(u"length"_s).toInteger();
    info.metadata = json.value(u"metadata"_s).toString().toLatin1();
    info.name = json.value(u"name"_s).toString();
    info.declaredType = json.value(u"type"_s).toString();
    info.expires
        = QDateTime::fromMSecsSinceEpoch(json.value(u"expires_ms"_s).toInteger(), QTimeZone::utc());
    const QString concat = json.value(u"concat"_s).toString();
    info.concat = concat == u"partial"_s ? Concat::Partial
        : concat == u"final"_s           ? Concat::Final
                                         : Concat::None;
    for (const QJsonValue &part : json.value(u"parts"_s).toArray())
        info.parts.append(part.toString());
    info.complete = json.value(u"complete"_s).toBool();
    return info;
}

QJsonObject ResumableInfo::toApiJson() const
{
    QJsonObject json {
        {u"id"_s, id},           {u"name"_s, name},
        {u"account"_s, account}, {u"account_id"_s, accountId},
        {u"offset"_s, offset},   {u"expires_at"_s, expires.toString(Qt::ISODateWithMs)}};
    json.insert(u"length"_s, length ? QJsonValue(*length) : QJsonValue());
    if (concat == Concat::Partial)
        json.insert(u"concat"_s, u"partial"_s);
    return json;
}

} // namespace sluice::upload
