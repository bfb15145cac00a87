#pragma once

#include "http/httpserver.h"
#include "http/trafficstats.h"
#include "jobs/jobengine.h"
#include "metrics/sample.h"

#include <QByteArray>

namespace sluice::service {

// The Prometheus text exposition of the service (GET /metrics): the standard
// process_* metrics, then sluice_* gauges and counters, and the request
// duration histogram by route, method and status.
QByteArray renderExposition(const metrics::Sample &sample, double processStartSeconds,
                            const http::TrafficStats &traffic, const jobs::EngineStats &engine,
                            const http::ServerStats &server = {});

} // namespace sluice::service
