#pragma once

#include "config/limits.h"
#include "http/router.h"
#include "upload/contentpolicy.h"

#include <functional>

namespace sluice::jobs {
class JobEngine;
}
namespace sluice::upload {
class UploadGate;
class UploadStore;
} // namespace sluice::upload

namespace sluice::service {

struct UploadRoutesContext
{
    upload::UploadGate *gate = nullptr; // on the HTTP thread, outlives every request
    upload::UploadStore *store = nullptr; // on its own thread
    jobs::JobEngine *engine = nullptr;
    QObject *replyTo = nullptr; // an object of the HTTP thread that outlives every request
    QString tempDir; // where receiving files go (same file system as the store)
    std::function<config::Limits()> limits;
    std::function<upload::ContentPolicy()> policy;
};

// PUT /uploads/{filename} (raw body), POST /uploads (multipart/form-data),
// GET /uploads (the newest first), GET /uploads/{id}, GET /uploads/{id}/content, GET
// /uploads/{id}/thumbnail, DELETE /uploads/{id}.
void addUploadRoutes(http::Router &router, UploadRoutesContext context);

} // namespace sluice::service
