// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QString>
#include <optional>

namespace re6st {

// Local registry channel on [::1]:326, node-protocol.md §6.8 /
// registry-protocol.md §10.1: "<prefix bits ASCII>\0<code byte>[payload]".
// Requests (registry -> node) carry no payload; answers carry it.
class LocalRegistryDatagram final
{
public:
    LocalRegistryDatagram() = default;
    LocalRegistryDatagram(const QByteArray &prefix, quint8 code, const QByteArray &payload = {})
        : m_prefix(prefix), m_code(code), m_payload(payload) {}

    // Nullopt (with a reason in `error`) without NUL, with an empty or non-binary
    // prefix, or without a code byte.
    static std::optional<LocalRegistryDatagram> parse(const QByteArray &datagram,
                                                      QString *error = nullptr);
    // Registry side: also requires the code it asked for (§10.1 "wrong code").
    static std::optional<LocalRegistryDatagram> parseAnswer(const QByteArray &datagram,
                                                            quint8 expectedCode,
                                                            QString *error = nullptr);
    // Nullopt if the prefix is empty or not a bit string.
    std::optional<QByteArray> build() const;

    QByteArray prefix() const { return m_prefix; }
    quint8 code() const { return m_code; }
    QByteArray payload() const { return m_payload; }

private:
    QByteArray m_prefix;
    quint8 m_code = 0;
    QByteArray m_payload;
};

} // namespace re6st
