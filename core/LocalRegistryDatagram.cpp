// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/LocalRegistryDatagram.h"
#include "core/Addressing.h"

namespace re6st {

namespace {

bool validPrefix(const QByteArray &prefix)
{
    // Upstream parses the prefix as a base-2 integer: empty or non-binary fails.
    return !prefix.isEmpty() && prefix.size() <= 128 && addressing::isBitString(prefix);
}

template<typename T>
std::optional<T> fail(QString *error, const QString &text)
{
    if (error) *error = text;
    return std::nullopt;
}

} // namespace

std::optional<LocalRegistryDatagram> LocalRegistryDatagram::parse(const QByteArray &datagram,
                                                                  QString *error)
{
    const qsizetype nul = datagram.indexOf('\0');
    if (nul < 0)
        return fail<LocalRegistryDatagram>(
            error, QStringLiteral("local registry datagram without NUL separator ignored"));
    const QByteArray prefix = datagram.left(nul);
    if (!validPrefix(prefix))
        return fail<LocalRegistryDatagram>(
            error, QStringLiteral("local registry datagram with a prefix that is not a "
                                  "non-empty bit string (at most 128 bits) ignored"));
    if (datagram.size() == nul + 1)
        return fail<LocalRegistryDatagram>(
            error, QStringLiteral("local registry datagram without a code byte ignored"));
    return LocalRegistryDatagram(prefix, quint8(datagram[nul + 1]), datagram.mid(nul + 2));
}

std::optional<LocalRegistryDatagram> LocalRegistryDatagram::parseAnswer(const QByteArray &datagram,
                                                                        quint8 expectedCode,
                                                                        QString *error)
{
    auto parsed = parse(datagram, error);
    if (parsed && parsed->code() != expectedCode)
        return fail<LocalRegistryDatagram>(
            error, QStringLiteral("local registry answer with code %1 instead of %2 ignored")
                       .arg(parsed->code())
                       .arg(expectedCode));
    return parsed;
}

std::optional<QByteArray> LocalRegistryDatagram::build() const
{
    if (!validPrefix(m_prefix)) return std::nullopt;
    return m_prefix + '\0' + char(m_code) + m_payload;
}

} // namespace re6st
