#pragma once

#include "config/limits.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QString>

#include <optional>

namespace sluice::http {

// Counts the open connections the way the connection caps see them, and
// says whether a new one fits (docs/decisions/0019-connection-fairness.md):
//  - max_connections: all of them (the health reserve aside);
//  - max_unauthenticated_connections: those no valid token has been seen on;
//  - max_connections_per_client: one client address (an IPv4-mapped IPv6
//    address is the IPv4 address);
//  - max_connections_per_ipv6_prefix: one IPv6 /64, as many addresses as an
//    attacker likes but one site;
//  - health_reserve_connections: beyond all of these, only for health probes;
//  - account_share_percent of max_connections: those of one account, counted
//    from the first request a valid token of the account comes on.
// Plain bookkeeping, no sockets: the server decides whom to evict.
class ConnectionAdmission final
{
public:
    // Where a new connection from a client stands.
    struct Check
    {
        // A cap that a new connection would exceed and that no eviction can
        // help (total, per client, per /64): its key and value.
        QString refusedBy;
        qint64 refusedAt = 0;
        // The unauthenticated pool is full: admitting needs an eviction.
        bool unauthenticatedFull = false;
    };

    static QHostAddress clientAddress(const QHostAddress &peer);
    // The /64 an IPv6 client belongs to (8 bytes), nothing for IPv4.
    static std::optional<QByteArray> ipv6Prefix(const QHostAddress &peer);

    Check check(const QHostAddress &peer, const config::Limits &limits) const;
    bool reserveHasRoom(const config::Limits &limits) const
    {
        return m_reserved < limits.healthReserveConnections;
    }

    void add(quint64 id, const QHostAddress &peer, bool reserve);
    // The first valid token on a connection: it leaves the unauthenticated
    // pool and counts for its account. False, and nothing changes, when the
    // account already holds `accountCap` connections.
    bool authenticate(quint64 id, const QString &accountId, qint64 accountCap);
    void remove(quint64 id); // unknown ids are ignored

    int total() const { return m_total; }
    int unauthenticated() const { return m_unauthenticated; }
    int reserved() const { return m_reserved; }
    int fromClient(const QHostAddress &peer) const;
    int ofAccount(const QString &accountId) const { return m_perAccount.value(accountId); }

private:
    struct Entry
    {
        QHostAddress client;
        std::optional<QByteArray> prefix;
        bool authenticated = false;
        bool reserve = false;
        QString account; // its id, once authenticated
    };

    QHash<quint64, Entry> m_entries;
    QHash<QHostAddress, int> m_perClient;
    QHash<QByteArray, int> m_perPrefix;
    QHash<QString, int> m_perAccount;
    int m_total = 0; // not counting the reserve
    int m_unauthenticated = 0; // not counting the reserve
    int m_reserved = 0;
};

} // namespace sluice::http
