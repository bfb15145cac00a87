#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace sluice::upload {

// What is kept of a resumable upload (tus) between its requests, in
// DIR/ID.json beside its bytes in DIR/ID.bin.
struct ResumableInfo
{
    enum class Concat { None, Partial, Final };

    QString id; // an upload id: /files/{id}, and /uploads/{id} once stored
    QString accountId;
    QString account;
    std::optional<qint64> length; // nullopt: deferred
    qint64 offset = 0; // acknowledged (on disk, flushed)
    QByteArray metadata; // Upload-Metadata as received
    QString name; // metadata "filename", sanitized
    QString declaredType; // metadata "filetype", canonical or empty
    QDateTime expires;
    Concat concat = Concat::None;
    QStringList parts; // a final upload's partial uploads
    bool complete = false; // every byte arrived (and, unless partial, it is stored)

    bool operator==(const ResumableInfo &) const = default;

    // The record kept in ID.json.
    QJsonObject toJson() const;
    static std::optional<ResumableInfo> fromJson(const QJsonObject &json);
    // An entry of GET /files/ (docs/api.md), what remote::resumableUploadFromJson reads.
    QJsonObject toApiJson() const;
};

} // namespace sluice::upload

// The window's list of unfinished ones crosses threads (ServiceFacade).
Q_DECLARE_METATYPE(sluice::upload::ResumableInfo)
