#pragma once

#include <QByteArray>

#include <functional>

namespace sluice::remote {

// Splits a text/event-stream (the HTML Living Standard's "server-sent
// events" format) into events as bytes arrive in pieces of any size. Lines
// end with LF, CRLF or CR; `data:` lines are joined with LF; comments
// (heartbeats) count as activity only.
class SseParser
{
public:
    struct Event
    {
        QByteArray name = "message";
        QByteArray data;
        QByteArray id; // the last id seen so far in the stream (may be empty)
    };
    using Handler = std::function<void(const Event &)>;

    // maxEventBytes bounds what one event may hold: a stream that sends more
    // without a blank line is refused (feed() returns false).
    explicit SseParser(Handler onEvent, qsizetype maxEventBytes = 16 * 1024 * 1024);

    // False when the stream broke the format's bounds; stop feeding then.
    bool feed(const QByteArray &bytes);
    QByteArray lastEventId() const { return m_lastId; }
    int retryMs() const { return m_retryMs; } // -1 until the stream sets it

private:
    void line(QByteArrayView line);

    Handler m_onEvent;
    qsizetype m_max;
    QByteArray m_partial; // an unfinished line
    bool m_skipLf = false; // the last piece ended in CR: a following LF belongs to it
    QByteArray m_name;
    QByteArray m_data;
    bool m_hasData = false;
    QByteArray m_lastId;
    int m_retryMs = -1;
};

} // namespace sluice::remote
