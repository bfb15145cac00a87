#pragma once

#include "http/router.h"

#include <QJsonObject>

#include <functional>

namespace sluice::service {

// GET /healthz (public, constant work) and GET /api/status (an account; the
// status is built for the request's account: admins see the whole service,
// other accounts their own figures).
void addSystemRoutes(http::Router &router,
                     std::function<QJsonObject(const http::Request &)> status);

} // namespace sluice::service
