#include "config/authenticator.h"

#include <openssl/crypto.h>

#include <cstring>

namespace sluice::config {
namespace {

bool isAlphaNumeric(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isOneOf(char c, const char *set)
{
    return c != '\0' && std::strchr(set, c) != nullptr;
}

// RFC 9110 §5.6.2: tchar, the characters of an auth-scheme.
bool isTokenChar(char c)
{
    return isAlphaNumeric(c) || isOneOf(c, "!#$%&'*+-.^_`|~");
}

// RFC 9110 §11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool isToken68(QByteArrayView text)
{
    qsizetype i = 0;
    while (i < text.size() && (isAlphaNumeric(text[i]) || isOneOf(text[i], "-._~+/")))
        ++i;
    if (i == 0)
        return false;
    while (i < text.size() && text[i] == '=')
        ++i;
    return i == text.size();
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

// "Bearer <token68>" to the token, or empty when the value is anything else.
QByteArrayView bearerToken(QByteArrayView value)
{
    // A field value carries no leading or trailing whitespace (RFC 9110 §5.5).
    while (!value.isEmpty() && isOws(value.front()))
        value = value.sliced(1);
    while (!value.isEmpty() && isOws(value.back()))
        value.chop(1);

    qsizetype schemeEnd = 0;
    while (schemeEnd < value.size() && isTokenChar(value[schemeEnd]))
        ++schemeEnd;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    if (QByteArrayView(value.first(schemeEnd)).compare("Bearer", Qt::CaseInsensitive) != 0)
        return {};

    // credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    qsizetype tokenStart = schemeEnd;
    while (tokenStart < value.size() && value[tokenStart] == ' ')
        ++tokenStart;
    if (tokenStart == schemeEnd)
        return {};
    const QByteArrayView token = value.sliced(tokenStart);
    return isToken68(token) ? token : QByteArrayView();
}

} // namespace

Authenticator::Authenticator(const QList<Account> &accounts)
{
    for (const Account &account : accounts) {
        m_dataAccounts += account.metricsOnly ? 0 : 1;
        const int principal = int(m_principals.size());
        m_principals.push_back(
            Principal {account.name, account.admin, account.id, {}, account.metricsOnly});
        for (const TokenRecord &token : account.tokens) {
            Entry entry {};
            // Config validates digests; a short one could never match anyway.
            if (token.sha256.size() != qsizetype(entry.digest.size()))
                continue;
            std::memcpy(entry.digest.data(), token.sha256.constData(), entry.digest.size());
            entry.principal = principal;
            m_entries.push_back(entry);
        }
    }
}

std::optional<Principal> Authenticator::authenticate(QByteArrayView authorizationHeader) const
{
    const QByteArrayView token = bearerToken(authorizationHeader);
    if (token.isEmpty())
        return std::nullopt;
    const QByteArray digest = tokenDigest(QString::fromLatin1(token));

    // Every entry is compared, so the time taken does not depend on which one
    // matches or on how many bytes of a digest agree.
    int match = -1;
    for (const Entry &entry : m_entries) {
        const bool equal
            = CRYPTO_memcmp(entry.digest.data(), digest.constData(), entry.digest.size()) == 0;
        match = equal ? entry.principal : match;
    }
    if (match < 0)
        return std::nullopt;
    Principal principal = m_principals[size_t(match)];
    std::memcpy(principal.tokenDigest.data(), digest.constData(), principal.tokenDigest.size());
    return principal;
}

bool Authenticator::stillAdmits(const Principal &principal, bool sameRole) const
{
    // No constant-time comparison needed: the digest is the server's own
    // record of a token it accepted earlier, not a client's guess.
    for (const Entry &entry : m_entries) {
        const Principal &now = m_principals[size_t(entry.principal)];
        if (entry.digest == principal.tokenDigest && now.accountId == principal.accountId)
            return !sameRole
                || (now.admin == principal.admin && now.metricsOnly == principal.metricsOnly);
    }
    return false;
}

} // namespace sluice::config
