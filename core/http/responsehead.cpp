#include "http/responsehead.h"

#include <QDateTime>
#include <QLocale>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

bool isToken(QByteArrayView name)
{
    if (name.isEmpty())
        return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

bool isSafeValue(QByteArrayView value)
{
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    }
    return true;
}

bool isFramingField(QByteArrayView name)
{
    return name.compare("content-length", Qt::CaseInsensitive) == 0
        || name.compare("transfer-encoding", Qt::CaseInsensitive) == 0
        || name.compare("connection", Qt::CaseInsensitive) == 0;
}

} // namespace

QByteArray formatHttpDate(const QDateTime &time)
{
    // QLocale::c() keeps the day and month names English.
    return QLocale::c().toString(time.toUTC(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s).toLatin1();
}

bool statusHasNoBody(int status)
{
    return status < 200 || status == 204 || status == 304;
}

QByteArray serializeResponseHead(int status, const Headers &headers, const ResponseFraming &framing)
{
    QByteArray head;
    head.reserve(256);
    head += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    head += "Date: " + formatHttpDate(QDateTime::currentDateTimeUtc())
        + "\r\nServer: Sluice/" SLUICE_VERSION "\r\n";
    if (framing.requestId)
        head += "X-Request-Id: " + QByteArray::number(framing.requestId) + "\r\n";
    for (const auto &[name, value] : headers.fields()) {
        if (!isToken(name) || !isSafeValue(value) || isFramingField(name)) {
            qCWarning(lcHttp) << "dropped response field" << name.left(64);
            continue;
        }
        head += name + ": " + value + "\r\n";
    }
    if (framing.contentLength)
        head += "Content-Length: " + QByteArray::number(*framing.contentLength) + "\r\n";
    else if (framing.chunked)
        head += "Transfer-Encoding: chunked\r\n";
    // RFC 9110 §7.8: whoever sends Upgrade (a 426, say) names it in Connection.
    const bool upgrade = headers.contains("Upgrade");
    QByteArray connection = upgrade ? "upgrade" : "";
    if (framing.close || framing.keepAliveFor10) {
        if (upgrade)
            connection += ", ";
        connection += framing.close ? "close" : "keep-alive";
    }
    if (!connection.isEmpty())
        head += "Connection: " + connection + "\r\n";
    head += "\r\n";
    return head;
}

} // namespace sluice::http
