#pragma once

#include "config/limits.h"
#include "http/transfer.h"
#include "jobs/job.h"
#include "metrics/sample.h"
#include "service/servicefacade.h"
#include "upload/resumableinfo.h"
#include "upload/uploadrecord.h"
#include "util/expected.h"

#include <QJsonObject>

#include <optional>

// The values of the HTTP API (docs/api.md) read back into the types the
// window shows: the inverse of the toJson() functions the service uses for
// its routes and its live stream. Each returns nullopt (or an error naming
// the key) when the document is not what the service writes.
namespace sluice::remote {

std::optional<metrics::Sample> sampleFromJson(const QJsonObject &object);
// `resultUrl`: where the result of a job with one is fetched (the API gives
// its path); it stands in JobRecord::resultPath, as a remote job has no
// local file.
std::optional<jobs::JobRecord> jobFromJson(const QJsonObject &object, const QUrl &server);
std::optional<http::Transfer> transferFromJson(const QJsonObject &object);
// An upload as GET /uploads and GET /uploads/{id} give it (upload::toJson()).
// The attempt numbers are not in the API: they stay 0.
std::optional<upload::UploadRecord> uploadFromJson(const QJsonObject &object);
// An unfinished resumable upload as GET /files/ lists it: `length` null
// while deferred, `expires_at` a time, `concat` absent or "partial". What
// the list does not carry (metadata, declared type, parts) stays empty.
std::optional<upload::ResumableInfo> resumableUploadFromJson(const QJsonObject &object);
// The `status` entry of the live stream.
std::optional<service::ServiceStatus> statusFromJson(const QJsonObject &object);
// GET /api/history's body.
std::optional<service::HistorySnapshot> historyFromJson(const QJsonObject &object);
// GET /admin/limits's body (and the stream's `limits` entry).
Expected<config::Limits> limitsFromJson(const QJsonObject &object);

} // namespace sluice::remote
