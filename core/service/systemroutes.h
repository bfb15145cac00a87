#pragma once

#include "http/router.h"

#include <QJsonObject>

#include <functional>

namespace sluice::service {

// GET /healthz (public, constant work) and GET /api/status (an account).
void addSystemRoutes(http::Router &router, std::function<QJsonObject()> status);

} // namespace sluice::service
