#pragma once

#include "config/authenticator.h"
#include "config/limits.h"
#include "http/httptypes.h"
#include "http/sendbudget.h"
#include "http/trafficstats.h"
#include "http/transfer.h"
#include "http/transferpace.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

class QSocketNotifier;
class QSslSocket;
class QTcpSocket;

namespace sluice::metrics {
class EventLog;
}

namespace sluice::http {

class BodySink;
class Exchange;
class RequestParser;
class ResponseProducer;
class Router;

// What a connection needs from its server; owned by the server, which
// outlives its connections. Lives on the server's thread only.
class ConnectionAdmission;

struct ServerContext
{
    const Router *router = nullptr;
    std::shared_ptr<const config::Authenticator> authenticator;
    config::Limits limits;
    bool shuttingDown = false;
    quint64 nextRequestId = 1;
    quint64 nextConnectionId = 1;

    // Counters (read by the service for status and metrics)
    int requestsInFlight = 0;
    qint64 peakBytesToWrite = 0; // largest unsent backlog seen after a write
    // Response bytes all connections hold in user space, under max_send_buffer_bytes.
    SendBudget sendBudget;
    quint64 bytesSentDirect = 0; // response bytes sent by sendfile(2), no user-space copy
    bool sendDirectEnabled = true; // off: file bodies are read and written like any other
    // Where traffic is counted: the server's own, or one that outlives
    // server restarts (the service's), so that counters stay monotonic.
    TrafficStats ownTraffic;
    TrafficStats *traffic = &ownTraffic;
    metrics::EventLog *events = nullptr; // rejections, timeouts, aborts (thread-safe)
    // The server's bookkeeping of its connections (per account among them).
    ConnectionAdmission *admission = nullptr;
    QElapsedTimer clock; // started by the server: the time base of its connections
};

// One client connection: an HTTP/1.1 state machine that reads a request head,
// dispatches it, streams the body to a sink with backpressure, and pulls the
// response from a producer. Requests on a connection are served strictly in
// order; a pipelined request is not parsed before the previous response is out.
class Connection final : public QObject
{
    Q_OBJECT
public:
    // Largest body piece handed to a sink, and largest response chunk.
    static constexpr qint64 PieceBytes = 64 * 1024;

    Connection(QTcpSocket *socket, ServerContext &context, QObject *parent = nullptr);
    ~Connection() override;
    Q_DISABLE_COPY_MOVE(Connection)

    QHostAddress peer() const { return m_peer; }
    quint64 id() const { return m_id; } // unique within its server
    // The request being served, if any (a request rejected before routing is not one).
    std::optional<Transfer> transfer() const;
    bool isIdle() const { return m_state == State::Idle && m_input.isEmpty(); }
    // Once a request on it carried a valid token (see authenticated()).
    bool isAuthenticated() const { return m_authenticated; }
    // Admitted on the health reserve: serves one /healthz or /readyz; anything
    // else, or no request within a second, gets `refusal` (what it would have
    // had without the reserve).
    void restrictToHealthChecks(const HttpError &refusal);
    bool isRestrictedToHealthChecks() const { return m_healthChecksOnly; }
    // Since when (server clock, ms) the connection has been idle between
    // requests or sending a request head; nothing while a request is served.
    std::optional<qint64> quietSinceMs() const;
    // Graceful: close now if idle, otherwise after the current response.
    void shutdown();
    // Immediate: abandon the request, clean up, close.
    void abort(const QString &reason);
    // Ends the request in flight when the token it was authenticated with no
    // longer admits it (revoked): an answer not yet begun becomes a 401 and
    // the connection closes; a body being received or a response being sent
    // is cut off. Either way its sink or producer cleans up. True if it ended.
    bool endIfRevoked(const config::Authenticator &authenticator);

signals:
    void closed();
    void authenticated(); // once, with the first valid token

private:
    enum class State {
        Idle, // between requests (keep-alive timer)
        ReadingHead, // header deadline running
        ReadingBody, // feeding the sink
        AwaitingResponse, // handler is working
        Writing, // response going out
        Closing, // flushing, then gone
    };

    void onReadyRead();
    void onBytesWritten(qint64 bytes);
    void onEncryptedBytesWritten(qint64 bytes);
    void onDrained(); // bytes of ours left user space
    // Response bytes still in user space: Qt's buffer, and on TLS the records
    // encrypted but not yet taken by the kernel (QSslSocket::bytesToWrite()
    // counts only the plaintext not yet encrypted).
    qint64 unsentBytes() const;
    void pump();
    bool step();
    void readSocket();
    bool wantsInput() const;
    qsizetype inputCap() const;
    void dispatch();
    void startBody(quint64 requestId, BodySink *sink);
    void bodyStep(bool *progressed);
    void endSink(bool complete, const QString &reason);
    void onSinkDrained();
    void respond(quint64 requestId, Response &&response);
    void pumpOutput();
    // The socket's unsent bytes a response may have now: grows from one piece
    // as the client proves it reads (acknowledged bytes), up to the high-water mark.
    qint64 sendWindow() const;
    // File bodies on plain TCP: sendfile(2) once Qt's buffer is empty.
    // False when the producer or the connection cannot.
    bool sendDirect();
    void onSendDirectWritable();
    void countSent(qint64 bytes);
    // Response bytes of ours wait for the client: in Qt's buffer, or a
    // sendfile(2) waits for the socket to drain.
    bool waitingOnClient() const;
    // Tells the server's send budget what this connection holds now.
    void syncSendBudget();
    void finishResponse();
    void fail(const HttpError &error);
    void close();
    void finishClose();
    void teardownRequest(const QString &reason);
    void armTimer(qint64 ms);
    // The client moved bytes: body_idle_timeout_ms counts from now.
    void noteProgress();
    void onTimeout();
    void onDisconnected();
    void salvageBody();
    void recordEvent(const QString &kind, const QString &detail);
    // The first valid token on this connection counts it for its account:
    // the refusal (429) when the account holds its share of max_connections.
    std::optional<HttpError> claimForAccount(const config::Principal &principal);
    // Minimum transfer rate (connectionpace.cpp)
    void startPace();
    void onPaceDue();
    qint64 deliveredBytes() const;

    QTcpSocket *m_socket;
    ServerContext &m_context;
    const quint64 m_id;
    QHostAddress m_peer;
    quint16 m_peerPort = 0;
    QSslSocket *const m_tls; // m_socket, when the connection is TLS
    qint64 m_firstHeadDueMs = -1; // TLS: accepted + header_deadline_ms, until the first head
    State m_state = State::Idle;
    QByteArray m_input;
    std::unique_ptr<RequestParser> m_parser;
    QPointer<Exchange> m_exchange;
    quint64 m_requestId = 0; // of the exchange being served
    QString m_route; // for metrics: the route pattern, or why there is none
    QByteArray m_method;
    int m_status = 0;
    QPointer<BodySink> m_sink;
    bool m_sinkEnded = false; // finish() or abort() was called
    std::shared_ptr<ResponseProducer> m_producer;
    qint64 m_bytesLeft = -1; // of a fixed-length body, -1 when chunked
    bool m_bodyDone = false; // the request body has been read (or there is none)
    bool m_readPaused = false;
    bool m_writePaused = false;
    bool m_closeAfterResponse = false;
    bool m_linger = false; // unread client bytes may follow: half-close, drain
    qint64 m_lingerDiscarded = 0;
    bool m_halfClosed = false;
    bool m_inBytesWritten = false; // Qt does not report bytes flushed from inside bytesWritten
    bool m_headOnly = false;
    bool m_chunkedOut = false;
    bool m_inFlight = false;
    bool m_closed = false;
    bool m_authenticated = false;
    bool m_healthChecksOnly = false;
    HttpError m_reserveRefusal {503, {}};
    qint64 m_quietSinceMs = 0;
    QTimer m_timer;
    bool m_timerIsIdle = false; // armed by noteProgress(): due at m_progressAtMs + body idle
    qint64 m_progressAtMs = 0;
    TransferPace m_pace; // of the body being received or the response being sent
    QTimer m_paceTimer;
    bool m_paceWaiting = false; // the response waits for its producer: not the client's doing
    qint64 m_bytesToKernel = 0; // response bytes Qt handed to the kernel, all requests
    qint64 m_budgetHeld = 0; // what the send budget counts for this connection
    bool m_budgetWaiting = false; // in line for the send budget
    QSocketNotifier *m_sendNotifier = nullptr; // writable again, for sendfile(2)
    bool m_sendDirectOff = false; // this response's file cannot go by sendfile(2)
    QElapsedTimer m_requestClock;
    Transfer m_progress; // of the exchange being served, for transfer()
    std::optional<config::Principal> m_principal; // of the exchange being served
};

} // namespace sluice::http
