#pragma once

#include "config/config.h"

#include <QByteArrayView>
#include <QString>

#include <array>
#include <optional>
#include <vector>

namespace sluice::config {

struct Principal
{
    QString account; // the name, for people
    bool admin = false;
    QString accountId; // what owns data (Account::id)
    std::array<unsigned char, 32> tokenDigest {}; // of the token presented
    bool metricsOnly = false; // may read GET /metrics and nothing else
};

// Checks "Authorization: Bearer <token>" against the digests of the accounts.
// Immutable once built, so a shared_ptr<const Authenticator> can be swapped
// when accounts change and read from any thread.
class Authenticator final
{
public:
    explicit Authenticator(const QList<Account> &accounts);

    // Takes the raw header value. The digest of the presented token is
    // compared with every known digest in constant time (no early exit).
    std::optional<Principal> authenticate(QByteArrayView authorizationHeader) const;
    // Whether the token a principal presented still belongs to its account
    // here: false once the token or the account was revoked (or the name now
    // stands for another account). Requests in flight are checked with it
    // when the accounts change.
    // With sameRole, also false when the account is no longer what it was
    // (admin, metrics-only): for responses that never end by themselves.
    bool stillAdmits(const Principal &principal, bool sameRole = false) const;
    // Accounts that may hold data (not scrape accounts), with or without a
    // token: those that share the wholes of Limits::accountShare().
    int dataAccounts() const { return m_dataAccounts; }

private:
    struct Entry
    {
        std::array<unsigned char, 32> digest;
        int principal;
    };
    std::vector<Entry> m_entries;
    std::vector<Principal> m_principals;
    int m_dataAccounts = 0;
};

} // namespace sluice::config
