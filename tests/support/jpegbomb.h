#pragma once

// A progressive JPEG decode bomb, written byte by byte: a small file that
// declares a large grey image and repeats one AC scan many times. libjpeg
// keeps the coefficients of the whole image for a progressive file
// (width x height x 2 bytes, whatever the scaled size asked for), and goes
// over every block in every scan: the file costs memory by its dimensions and
// CPU time by its scan count, uninterruptibly (ITU T.81, annex G).

#include <QByteArray>

namespace sluice::test {

namespace jpegdetail {

// Entropy-coded bits, most significant first; a 0xFF byte is followed by a
// stuffed 0x00 (T.81 F.1.2.3); the last byte is padded with 1 bits.
class BitWriter
{
public:
    void put(quint32 bits, int count)
    {
        for (int i = count - 1; i >= 0; --i) {
            m_byte = quint8((m_byte << 1) | ((bits >> i) & 1));
            if (++m_used == 8)
                flushByte();
        }
    }
    QByteArray finish()
    {
        while (m_used != 0)
            put(1, 1);
        return m_out;
    }

private:
    void flushByte()
    {
        m_out.append(char(m_byte));
        if (m_byte == 0xFF)
            m_out.append('\0');
        m_byte = 0;
        m_used = 0;
    }
    QByteArray m_out;
    quint8 m_byte = 0;
    int m_used = 0;
};

inline void segment(QByteArray &out, quint8 marker, const QByteArray &payload)
{
    const int length = int(payload.size()) + 2;
    out.append(char(0xFF)).append(char(marker));
    out.append(char(length >> 8)).append(char(length & 0xFF)).append(payload);
}

// A Huffman table with one code, "0", for one symbol.
inline QByteArray oneSymbolTable(quint8 classAndId, quint8 symbol)
{
    QByteArray t(1, char(classAndId));
    t.append(char(1)); // one code of length 1
    t.append(QByteArray(15, '\0'));
    t.append(char(symbol));
    return t;
}

inline QByteArray scanHeader(quint8 ss, quint8 se)
{
    QByteArray sos;
    sos.append(char(1)).append(char(1)).append(char(0x00)); // one component, tables 0/0
    sos.append(char(ss)).append(char(se)).append(char(0x00)); // Ah = Al = 0
    return sos;
}

} // namespace jpegdetail

// `width` x `height` grey pixels (each at most 65535), one DC scan that codes
// every block as 0, then `acScans` identical AC scans that skip every block
// with end-of-band runs of 32767 blocks. Valid enough for libjpeg to decode
// without a warning: a repeated AC scan with Ah = Al = 0 is a legal refinement
// of nothing.
inline QByteArray progressiveJpegBomb(int width, int height, int acScans)
{
    using namespace jpegdetail;
    const qint64 blocks = qint64((width + 7) / 8) * ((height + 7) / 8);
    QByteArray out("\xFF\xD8", 2); // SOI
    QByteArray dqt(1, '\0');
    dqt.append(QByteArray(64, '\1'));
    segment(out, 0xDB, dqt);
    QByteArray sof;
    sof.append(char(8)); // precision
    sof.append(char(height >> 8)).append(char(height & 0xFF));
    sof.append(char(width >> 8)).append(char(width & 0xFF));
    sof.append(char(1)).append(char(1)).append(char(0x11)).append(char(0)); // one component
    segment(out, 0xC2, sof); // SOF2: progressive, Huffman
    segment(out, 0xC4, oneSymbolTable(0x00, 0x00)); // DC: difference 0
    segment(out, 0xC4, oneSymbolTable(0x10, 0xE0)); // AC: EOB14, 14 more bits of run

    segment(out, 0xDA, scanHeader(0, 0));
    {
        BitWriter dc;
        for (qint64 i = 0; i < blocks; ++i)
            dc.put(0, 1);
        out.append(dc.finish());
    }
    BitWriter ac;
    for (qint64 covered = 0; covered < blocks; covered += 32767)
        ac.put((0u << 14) | 0x3FFF, 15); // code "0", then run 16384 + 16383
    const QByteArray acData = ac.finish();
    for (int scan = 0; scan < acScans; ++scan) {
        segment(out, 0xDA, scanHeader(1, 63));
        out.append(acData);
    }
    out.append("\xFF\xD9", 2); // EOI
    return out;
}

} // namespace sluice::test
