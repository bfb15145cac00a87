#pragma once

#include "util/expected.h"

#include <QString>

#include <atomic>

namespace sluice::exports {

// Writes the demo `orders` database: `rows` orders spread evenly over 18
// months from 2025-01-01 UTC (id, created_at "YYYY-MM-DD HH:MM:SS",
// customer, status, amount, currency, note), deterministic for a given row
// count. Some notes hold commas, quotes, newlines, non-ASCII text and
// formula-like text; refunds have negative amounts. Indexed on created_at.
// Written to a temp file beside `path` and renamed into place; `stop` aborts
// (the temp file is removed). One transaction, one prepared statement.
Expected<void> generateDemoOrders(const QString &path, qint64 rows,
                                  const std::atomic_bool *stop = nullptr);

// The first and last day that hold demo orders.
inline constexpr const char *kDemoFirstDay = "2025-01-01";
inline constexpr const char *kDemoLastDay = "2026-06-30";

} // namespace sluice::exports
