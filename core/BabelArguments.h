// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/Addressing.h"
#include <QByteArray>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st {

// babeld command line of a node: node-protocol.md §4.2, adapted to stock
// babeld 1.12.1 per §4.5 (text local interface instead of Nexedi's -X).
// Pure: no process is started here.
class BabelArguments final
{
public:
    enum class ControlAccess { ReadOnly, ReadWrite }; // babeld -g / -G (§4.5)
    // What to do with plain default routes announced by legacy gateways (§4.2, §4.5).
    enum class LegacyDefaultRoute {
        InstallSourceSpecific, // upstream's statement (stock parses it, ignores src-prefix)
        Deny,                  // §4.5 safer fallback for stock babeld
    };

    struct Options
    {
        QByteArray network;       // network bits (registry-protocol.md §2.1)
        QByteArray prefix;        // node prefix bits below the network (CN)
        int hello = 15;           // network param `hello`, seconds
        QByteArray hmacSign;      // raw key bytes; empty = no HMAC at all
        std::optional<QByteArray> hmacAccept; // nullopt = absent, "" = accept-bad-signatures
        // Stock babeld checks only the interface's key (§4.5): while an accept
        // key is announced, also accept bad signatures so rotating nodes stay linked.
        bool acceptBadSignaturesDuringRotation = true;
        QString babelDefault;     // network param `babel_default`
        std::optional<addressing::Ipv4Payload> ipv4; // §2.5
        bool gateway = false;     // --gateway (§9.3)
        bool ipv6Subtrees = true; // §2.4 step 7
        LegacyDefaultRoute legacyDefaultRoute = LegacyDefaultRoute::InstallSourceSpecific;
        QString logFile;          // -L, upstream <log>/babeld.log
        QString stateFile;        // -S, upstream <state>/babeld.state
        QString controlSocket;    // -g/-G path (absolute), e.g. <run>/babeld.sock
        ControlAccess controlAccess = ControlAccess::ReadOnly;
        QStringList extraArguments;   // -B (§1.1)
        QStringList lanInterfaces;    // -i (§1.1)
        QStringList tunnelInterfaces; // server / --client ifaces, then client ifaces (§3.1)
    };

    // Arguments after argv[0]. Nullopt and `error` set on invalid input.
    static std::optional<QStringList> build(const Options &options, QString *error = nullptr);
};

} // namespace re6st
