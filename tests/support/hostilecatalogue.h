#pragma once

// The hostile input catalogue (tst_hostileinput_*): raw bytes over a socket
// against the real service, one row per attack. The rows are grouped by
// theme in several executables; the service, the row format and the checks
// that follow every row are shared here, so that every row is held to the
// same standard.

#include "testsupport.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace sluice::service {
class Service;
}

namespace sluice::test::hostile {

// What the connection must look like once the expected responses are read.
enum class After {
    Usable, // still in sync: a further request on it is answered
    Closed, // the server closes it (and sends nothing more)
    Either, // an unread body is left: the server may drain it or close
};

// Placeholders in a row's bytes, replaced when the row runs (the ids exist
// only once the service does): {alice} {bob} {admin} are tokens,
// {alice-upload} and {alice-job} are ids owned by alice. A row ending in
// {shut} half-closes the client side after sending.
inline constexpr QByteArrayView Shut = "{shut}";

// Keeps embedded NULs, which a plain QByteArray(const char *) would cut.
template<qsizetype N> inline QByteArray bytes(const char (&s)[N])
{
    return QByteArray(s, N - 1);
}

inline QByteArray auth(const QByteArray &who)
{
    return "Authorization: Bearer {" + who + "}\r\n";
}

inline QByteArray getAs(const QByteArray &who, const QByteArray &path)
{
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + auth(who) + "\r\n";
}

inline QByteArray withBody(const QByteArray &head, const QByteArray &body)
{
    return head + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

inline QByteArray putHead(const QByteArray &target)
{
    return "PUT /uploads/" + target + " HTTP/1.1\r\nHost: t\r\n" + auth("alice");
}

inline QByteArray put(const QByteArray &target, const QByteArray &body = "hello world\n")
{
    return withBody(putHead(target), body);
}

inline QByteArray chunkedPut(const QByteArray &chunks)
{
    return putHead("c.txt") + "Transfer-Encoding: chunked\r\n\r\n" + chunks;
}

inline QByteArray chunkedJob(const QByteArray &chunks)
{
    return "POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("admin")
        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
}

inline const QByteArray Boundary = "sluiceBoundary7MA4YWxk";

inline QByteArray formRequest(const QByteArray &contentType, const QByteArray &body,
                              const QByteArray &who = "alice")
{
    return withBody("POST /uploads HTTP/1.1\r\nHost: t\r\n" + (who.isEmpty() ? "" : auth(who))
                        + "Content-Type: " + contentType + "\r\n",
                    body);
}

inline QByteArray filePart(const QByteArray &disposition, const QByteArray &content = "some text\n",
                           const QByteArray &extraHeaders = {})
{
    return "Content-Disposition: form-data; name=\"f\"; " + disposition
        + "\r\nContent-Type: text/plain\r\n" + extraHeaders + "\r\n" + content;
}

inline QByteArray form(const QList<QByteArray> &parts, bool closed = true)
{
    QByteArray body;
    for (const QByteArray &part : parts)
        body += "--" + Boundary + "\r\n" + part + "\r\n";
    if (closed)
        body += "--" + Boundary + "--\r\n";
    return body;
}

inline QByteArray formType()
{
    return "multipart/form-data; boundary=" + Boundary;
}

// A stored name that can do no harm: one path component, not hidden, no
// control characters, within NAME_MAX.
inline bool isSafeName(const QString &name)
{
    const bool controls = std::any_of(name.begin(), name.end(),
                                      [](QChar c) { return c.unicode() < 0x20 || c == u'\x7f'; });
    return !name.isEmpty() && !name.contains(u'/') && !name.contains(u'\\')
        && !name.startsWith(u'.') && !controls && name.toUtf8().size() <= 255;
}

// One service for the whole catalogue, with short timeouts so that rows that
// end in a timeout stay fast.
class CatalogueService
{
public:
    CatalogueService();
    ~CatalogueService();

    bool ready = false;
    quint16 port = 0;

    QByteArray expand(QByteArray raw) const;
    QByteArray token(const QByteArray &who) const { return m_values.value('{' + who + '}'); }

    QStringList tempFiles() const;
    QStringList storedFiles() const;
    int uploadsInFlight() const;
    qint64 jobTotal() const;
    QString jobState(const QByteArray &id) const;

private:
    QTemporaryDir m_dir;
    QHash<QByteArray, QByteArray> m_values;
    std::unique_ptr<service::Service> m_service;
};

// The columns of catalogue_data(): raw, statuses, after, uploadsCreated.
void addColumns();
void row(const char *name, const QByteArray &raw, QList<int> statuses, After after,
         int uploadsCreated = 0);
// The body of catalogue(): sends the current row on a fresh connection to
// *service (started on first use), reads the expected answers, and checks
// that nothing was left behind or created.
void runRow(std::unique_ptr<CatalogueService> &service);

} // namespace sluice::test::hostile

Q_DECLARE_METATYPE(sluice::test::hostile::After)
