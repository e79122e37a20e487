// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// PEM armour in tests, written independently of core/crypto (to build inputs
// and to check what the code under test writes).
#include <QByteArray>
#include <QList>

namespace re6st::test {

// The DER inside a PEM block (base64 of every line that is not a ----- line).
inline QByteArray pemBody(const QByteArray &pem)
{
    QByteArray body;
    for (const QByteArray &line : pem.split('\n')) {
        if (!line.startsWith("-----"))
            body += line.trimmed();
    }
    return QByteArray::fromBase64(body);
}

// `der` as a PEM block: base64 in lines of `columns` characters, ended by `eol`.
inline QByteArray toPem(const QByteArray &der, const QByteArray &label = "CERTIFICATE REQUEST",
                        int columns = 64, const char *eol = "\n")
{
    QByteArray pem = "-----BEGIN " + label + "-----" + eol;
    const QByteArray b64 = der.toBase64();
    for (qsizetype i = 0; i < b64.size(); i += columns)
        pem += b64.mid(i, columns) + eol;
    return pem + "-----END " + label + "-----" + eol;
}

} // namespace re6st::test
