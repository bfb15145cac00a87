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
// boundaries inside core (exceptions are not used there). E defaults to Error;
// a subsystem whose callers need more than a message (an HTTP status, the
// limit at fault) passes its own error type.
template<typename T, typename E = Error> class Expected
{
public:
    Expected(T value)
        : m_value(std::move(value))
    { }
    Expected(E error)
        : m_value(std::move(error))
    { }

    bool hasValue() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return hasValue(); }

    T &value() { return std::get<T>(m_value); }
    const T &value() const { return std::get<T>(m_value); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }

    const E &error() const { return std::get<E>(m_value); }

private:
    std::variant<T, E> m_value;
};

template<typename E> class Expected<void, E>
{
public:
    Expected() = default;
    Expected(E error)
        : m_error(std::move(error))
        , m_failed(true)
    { }

    bool hasValue() const { return !m_failed; }
    explicit operator bool() const { return hasValue(); }
    const E &error() const { return m_error; }

private:
    E m_error;
    bool m_failed = false;
};

} // namespace sluice
