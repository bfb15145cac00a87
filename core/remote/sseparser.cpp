#include "remote/sseparser.h"

namespace sluice::remote {

SseParser::SseParser(Handler onEvent, qsizetype maxEventBytes)
    : m_onEvent(std::move(onEvent))
    , m_max(maxEventBytes)
{ }

bool SseParser::feed(const QByteArray &bytes)
{
    qsizetype start = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes.at(i);
        if (m_skipLf) {
            m_skipLf = false;
            if (c == '\n') {
                start = i + 1;
                continue;
            }
        }
        if (c != '\n' && c != '\r')
            continue;
        m_partial.append(bytes.constData() + start, i - start);
        line(m_partial);
        m_partial.clear();
        m_skipLf = c == '\r';
        start = i + 1;
    }
    m_partial.append(bytes.constData() + start, bytes.size() - start);
    return m_partial.size() + m_data.size() <= m_max;
}

void SseParser::line(QByteArrayView line)
{
    if (line.isEmpty()) { // dispatch
        if (m_hasData) {
            if (m_data.endsWith('\n'))
                m_data.chop(1);
            m_onEvent({m_name.isEmpty() ? QByteArray("message") : m_name, m_data, m_lastId});
        }
        m_name.clear();
        m_data.clear();
        m_hasData = false;
        return;
    }
    if (line.startsWith(':'))
        return; // a comment: a heartbeat
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    if (field == "event") {
        m_name = value.toByteArray();
    } else if (field == "data") {
        m_data.append(value.data(), value.size()).append('\n');
        m_hasData = true;
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_lastId = value.toByteArray();
    } else if (field == "retry") {
        bool ok = false;
        const int ms = value.toByteArray().toInt(&ok);
        if (ok && ms >= 0)
            m_retryMs = ms;
    }
}

} // namespace sluice::remote
