// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "daemon/UpnpGateway.h"

#include <memory>

namespace re6st::daemon {

// UpnpGateway over libminiupnpc (Debian libminiupnpc17): SSDP discovery, the IGD's
// WANIPConnection/WANPPPConnection control URL, and its SOAP actions. Blocking; used
// on UpnpForwarder's thread only.
class UpnpIgd final : public UpnpGateway
{
public:
    UpnpIgd();
    ~UpnpIgd() override;
    UpnpIgd(const UpnpIgd &) = delete;
    UpnpIgd &operator=(const UpnpIgd &) = delete;

    bool discover(int delayMs, QString *error) override;
    QString lanAddress() const override { return m_lanAddress; }
    Result externalIp(QString *ip) override;
    Result addMapping(quint16 externalPort, const QString &protocol, const QString &client, quint16 port,
                      const QString &description) override;
    Result deleteMapping(quint16 externalPort, const QString &protocol) override;
    QList<UpnpPlan::Entry> mappings() override;

private:
    struct Data;
    std::unique_ptr<Data> d;
    QString m_lanAddress;
};

} // namespace re6st::daemon
