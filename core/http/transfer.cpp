#include "http/transfer.h"

using namespace Qt::StringLiterals;

namespace sluice::http {

QString toString(Transfer::Phase phase)
{
    switch (phase) {
    case Transfer::Phase::Receiving:
        return u"receiving"_s;
    case Transfer::Phase::Processing:
        return u"processing"_s;
    case Transfer::Phase::Sending:
        return u"sending"_s;
    }
    return u"unknown"_s;
}

} // namespace sluice::http
