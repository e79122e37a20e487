// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/PeerPayload.h"

#include <QList>
#include <QString>

namespace re6st {

// The pure part of UPnP port mapping (node-protocol.md §9.1, §9.2): which server
// ports get a mapping on the Internet Gateway Device, how mappings are described
// and recognised, and what the node advertises from the gateway's answers.
// daemon/UpnpForwarder does the talking (libminiupnpc) and asks this class.
class UpnpPlan final
{
public:
    // §9.2 figures.
    static constexpr int kDiscoveryDelayMs = 200;
    static constexpr quint16 kFirstExternalPort = 32768; // 8192 values: 32768–40959
    static constexpr int kExternalPortCount = 8192;
    static constexpr int kMaxTries = 15;        // per rule, on ConflictInMappingEntry
    static constexpr int kTryBoundMs = 1000;    // per rule, whatever the number of tries
    static constexpr int kRefreshMs = 500 * 1000;
    static constexpr int kRetryMs = 60 * 1000;  // after an error or when no gateway answers
    // UPnP error codes (UPnP IGD WANIPConnection): the external port is taken.
    static constexpr int kConflictInMappingEntry = 718;
    static constexpr int kConflictWithOtherMechanisms = 729;

    // One server port (a --pp entry): local port and re6st protocol name.
    struct Rule
    {
        quint16 port = 0;
        QString proto; // tcp, udp (tcp6/udp6 and others are never mapped)
        bool operator==(const Rule &) const = default;
    };
    struct Mapping
    {
        Rule rule;
        quint16 externalPort = 0;
        bool operator==(const Mapping &) const = default;
    };
    // A row of the gateway's mapping table (GetGenericPortMappingEntry).
    struct Entry
    {
        quint16 externalPort = 0;
        QString protocol; // TCP, UDP
        QString internalClient;
        quint16 internalPort = 0;
        QString description;
    };

    // The rules to map: the IPv4 entries of --pp (tcp, udp, and their tcp4/udp4
    // spellings), in order, each (port, proto) once.
    static QList<Rule> rules(const QList<Rule> &portProtos);
    // "TCP" or "UDP", as the IGD wants it.
    static QString protocolName(const Rule &rule);
    // "re6stnet openvpn server (<port>/<proto>)".
    static QString description(const Rule &rule);
    // A mapping left by an earlier run of ours (killed before it could delete it):
    // our description prefix, pointing to our LAN address and one of our local ports.
    static bool isLeftOver(const Entry &entry, const QString &lanAddress, const QList<Rule> &rules);
    // A gateway's answer to take as error: port taken, try another one.
    static bool isConflict(int upnpError);
    // The IGD's external address can be advertised: an IPv4 that others can reach,
    // not an unspecified, private, shared (CGN), loopback, link-local or multicast
    // one (behind such a gateway there is another NAT: §5.11 learning takes over).
    static bool isUsableExternalIp(const QString &ip);

    // IPv4 entries to advertise (§9.1): one per IPv4 --pp entry, in order, with the
    // gateway's external address when it is usable and we have mappings, else the
    // address learnt from peers (empty: nothing known, nothing advertised); the port
    // is the mapping's external port when that (port, proto) is mapped, else the
    // local port.
    static QList<PeerAddress> ipv4Addresses(const QList<Rule> &portProtos, const QString &gatewayIp,
                                            const QString &learntIp, const QList<Mapping> &mappings,
                                            const QString &country);
};

} // namespace re6st
