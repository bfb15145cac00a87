#include "http/connectionadmission.h"

using namespace Qt::StringLiterals;

namespace sluice::http {

QHostAddress ConnectionAdmission::clientAddress(const QHostAddress &peer)
{
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; counted as
    // IPv6 they would all share one /64.
    bool isIpv4 = false;
    const quint32 v4 = peer.toIPv4Address(&isIpv4);
    if (isIpv4 && peer.protocol() != QAbstractSocket::IPv4Protocol)
        return QHostAddress(v4);
    QHostAddress address = peer;
    address.setScopeId({}); // the same client whatever interface it came in on
    return address;
}

std::optional<QByteArray> ConnectionAdmission::ipv6Prefix(const QHostAddress &peer)
{
    const QHostAddress client = clientAddress(peer);
    if (client.protocol() != QAbstractSocket::IPv6Protocol)
        return std::nullopt;
    const Q_IPV6ADDR bytes = client.toIPv6Address();
    return QByteArray(reinterpret_cast<const char *>(bytes.c), 8);
}

int ConnectionAdmission::fromClient(const QHostAddress &peer) const
{
    return m_perClient.value(clientAddress(peer));
}

ConnectionAdmission::Check ConnectionAdmission::check(const QHostAddress &peer,
                                                      const config::Limits &limits) const
{
    Check c;
    if (m_total >= limits.maxConnections) {
        c.refusedBy = u"max_connections"_s;
        c.refusedAt = limits.maxConnections;
    } else if (fromClient(peer) >= limits.maxConnectionsPerClient) {
        c.refusedBy = u"max_connections_per_client"_s;
        c.refusedAt = limits.maxConnectionsPerClient;
    } else if (const auto prefix = ipv6Prefix(peer);
               prefix && m_perPrefix.value(*prefix) >= limits.maxConnectionsPerIpv6Prefix) {
        c.refusedBy = u"max_connections_per_ipv6_prefix"_s;
        c.refusedAt = limits.maxConnectionsPerIpv6Prefix;
    }
    c.unauthenticatedFull = m_unauthenticated >= limits.maxUnauthenticatedConnections;
    return c;
}

void ConnectionAdmission::add(quint64 id, const QHostAddress &peer, bool reserve)
{
    Entry e {clientAddress(peer), ipv6Prefix(peer), false, reserve, {}};
    if (reserve) {
        ++m_reserved;
    } else {
        ++m_total;
        ++m_unauthenticated;
        ++m_perClient[e.client];
        if (e.prefix)
            ++m_perPrefix[*e.prefix];
    }
    m_entries.insert(id, std::move(e));
}

bool ConnectionAdmission::authenticate(quint64 id, const QString &accountId, qint64 accountCap)
{
    const auto it = m_entries.find(id);
    if (it == m_entries.end() || it->authenticated || it->reserve)
        return true;
    if (m_perAccount.value(accountId) >= accountCap)
        return false;
    it->authenticated = true;
    it->account = accountId;
    ++m_perAccount[accountId];
    --m_unauthenticated;
    return true;
}

void ConnectionAdmission::remove(quint64 id)
{
    const auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    const Entry &e = *it;
    if (e.reserve) {
        --m_reserved;
    } else {
        --m_total;
        if (!e.authenticated)
            --m_unauthenticated;
        else if (--m_perAccount[e.account] <= 0)
            m_perAccount.remove(e.account);
        if (--m_perClient[e.client] <= 0)
            m_perClient.remove(e.client);
        if (e.prefix && --m_perPrefix[*e.prefix] <= 0)
            m_perPrefix.remove(*e.prefix);
    }
    m_entries.erase(it);
}

} // namespace sluice::http
