#pragma once

// Shared by the fuzz targets: a fuzzer's bytes as a source of split sizes and
// data, and the check that ends a run when an invariant breaks.

#include <QByteArrayView>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace sluice::fuzz {

// The first bytes of an input choose how the rest is cut into pieces, so the
// fuzzer explores splits and contents together.
class Splitter
{
public:
    Splitter(const uint8_t *data, size_t size)
    {
        const size_t header = size < 8 ? size : 8;
        for (size_t i = 0; i < header; ++i)
            m_sizes[i] = uint8_t(data[i] % 97 + 1); // 1..97 bytes per piece
        m_count = header;
        m_rest = QByteArrayView(reinterpret_cast<const char *>(data + header),
                                qsizetype(size - header));
    }
    QByteArrayView payload() const { return m_rest; }
    // The size of piece number i (cycling through the chosen sizes).
    qsizetype piece(size_t i) const { return m_count == 0 ? 1 : m_sizes[i % m_count]; }

private:
    uint8_t m_sizes[8] = {};
    size_t m_count = 0;
    QByteArrayView m_rest;
};

[[noreturn]] inline void invariantBroken(const char *what)
{
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

#define SLUICE_FUZZ_CHECK(condition)                                                               \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::sluice::fuzz::invariantBroken(#condition);                                           \
    } while (false)

} // namespace sluice::fuzz
