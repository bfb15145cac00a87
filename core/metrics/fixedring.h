#pragma once

#include <QList>
#include <QtGlobal>

#include <algorithm>

namespace sluice::metrics {

// A ring of at most `capacity` (at least 1) values that overwrites the oldest
// when full; index 0 is the oldest. All storage is allocated by the
// constructor, so push() never allocates (unless the storage is shared with a
// copy of the ring, which detaches it once).
template<typename T> class FixedRing
{
public:
    explicit FixedRing(qsizetype capacity)
        : m_slots(std::max<qsizetype>(capacity, 1))
    { }

    void push(const T &value)
    {
        const qsizetype cap = m_slots.size();
        m_slots[(m_head + m_size) % cap] = value;
        if (m_size < cap)
            ++m_size;
        else
            m_head = (m_head + 1) % cap;
    }

    const T &at(qsizetype i) const
    {
        Q_ASSERT(i >= 0 && i < m_size);
        return m_slots.at((m_head + i) % m_slots.size());
    }
    const T &back() const { return at(m_size - 1); }

    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    qsizetype maxSize() const { return m_slots.size(); }
    // Allocated element slots; stays constant for the lifetime of the ring.
    qsizetype capacity() const { return m_slots.capacity(); }

    // The first index whose value does not satisfy `before`, which must be
    // true for a prefix of the ring and false for the rest (binary search).
    template<typename Pred> qsizetype partitionPoint(Pred before) const
    {
        qsizetype lo = 0;
        qsizetype hi = m_size;
        while (lo < hi) {
            const qsizetype mid = lo + (hi - lo) / 2;
            if (before(at(mid)))
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    // Values from index `from` to the end, oldest first.
    QList<T> toList(qsizetype from = 0) const
    {
        QList<T> out;
        out.reserve(m_size - from);
        for (qsizetype i = from; i < m_size; ++i)
            out.append(at(i));
        return out;
    }

private:
    QList<T> m_slots;
    qsizetype m_head = 0;
    qsizetype m_size = 0;
};

} // namespace sluice::metrics
