// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/UpnpPlan.h"

#include <QList>
#include <QString>

namespace re6st::daemon {

// What UpnpForwarder asks of an Internet Gateway Device (node-protocol.md §9.2).
// Every call blocks (network round trips): UpnpForwarder makes them on its own
// thread, never on the daemon's event loop. UpnpIgd is the real one (libminiupnpc);
// tests give a fake.
class UpnpGateway
{
public:
    struct Result
    {
        int code = 0;    // 0 = success, > 0 UPnP error code (718, ...), < 0 library/HTTP error
        QString message; // empty on success
        bool ok() const { return code == 0; }
    };

    virtual ~UpnpGateway() = default;
    // SSDP discovery (waiting up to delayMs for answers) and choice of a connected IGD.
    virtual bool discover(int delayMs, QString *error) = 0;
    // Our address on the LAN, as seen on the way to the IGD (the mappings' target).
    virtual QString lanAddress() const = 0;
    virtual Result externalIp(QString *ip) = 0;
    virtual Result addMapping(quint16 externalPort, const QString &protocol, const QString &client, quint16 port,
                              const QString &description) = 0;
    virtual Result deleteMapping(quint16 externalPort, const QString &protocol) = 0;
    // The gateway's mapping table (bounded; empty if it cannot be listed).
    virtual QList<UpnpPlan::Entry> mappings() = 0;
};

} // namespace re6st::daemon
