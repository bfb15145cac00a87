#pragma once

#include <QString>

#include <utility>
#include <variant>

namespace sluice {

// A failure that a user can read: it names the input or limit at fault.
struct Error
{
    QString message;
};

// A small stand-in for C++23 std::expected, for results that cross component
// boundaries inside core (exceptions are not used there).
template<typename T>
class Expected
{
public:
    Expected(T value) : m_value(std::move(value)) { }
    Expected(Error error) : m_value(std::move(error)) { }

    bool hasValue() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return hasValue(); }

    T &value() { return std::get<T>(m_value); }
    const T &value() const { return std::get<T>(m_value); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }

    const Error &error() const { return std::get<Error>(m_value); }

private:
    std::variant<T, Error> m_value;
};

template<>
class Expected<void>
{
public:
    Expected() = default;
    Expected(Error error) : m_error(std::move(error)), m_failed(true) { }

    bool hasValue() const { return !m_failed; }
    explicit operator bool() const { return hasValue(); }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_failed = false;
};

} // namespace sluice
