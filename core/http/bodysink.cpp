#include "http/bodysink.h"

namespace sluice::http {

BodySink::~BodySink() = default;

} // namespace sluice::http
