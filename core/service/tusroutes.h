#pragma once

#include "http/router.h"
#include "upload/contentpolicy.h"

#include <functional>

namespace sluice::upload {
class ResumableUploads;
}

namespace sluice::service {

struct TusRoutesContext
{
    upload::ResumableUploads *uploads = nullptr; // on the HTTP thread
    std::function<config::Limits()> limits;
    std::function<upload::ContentPolicy()> policy;
};

// tus 1.0 resumable uploads (docs/decisions/0032): OPTIONS /files/, POST
// /files/ (creation, creation-with-upload, creation-defer-length,
// concatenation), HEAD, PATCH (checksum, checksum-trailer) and DELETE
// (termination) of /files/{id}, and X-HTTP-Method-Override under /files/.
void addTusRoutes(http::Router &router, TusRoutesContext context);

} // namespace sluice::service
