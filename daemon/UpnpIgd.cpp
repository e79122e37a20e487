// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/UpnpIgd.h"

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include <cstring>

namespace re6st::daemon {

struct UpnpIgd::Data
{
    UPNPUrls urls = {};
    IGDdatas data = {};
    bool valid = false;
};

namespace {
UpnpGateway::Result result(int code)
{
    if (code == UPNPCOMMAND_SUCCESS) return {};
    const char *text = strupnperror(code);
    return {code, text ? QString::fromLatin1(text) : QStringLiteral("error %1").arg(code)};
}
} // namespace

UpnpIgd::UpnpIgd() : d(std::make_unique<Data>()) {}

UpnpIgd::~UpnpIgd()
{
    if (d->valid) FreeUPNPUrls(&d->urls);
}

bool UpnpIgd::discover(int delayMs, QString *error)
{
    if (d->valid) {
        FreeUPNPUrls(&d->urls);
        d->urls = {};
        d->data = {};
        d->valid = false;
    }
    int discoverError = 0;
    // No MiniSSDPd socket: ask the network (multicast TTL 2, any source port, IPv4).
    UPNPDev *devices = upnpDiscover(delayMs, nullptr, nullptr, UPNP_LOCAL_PORT_ANY, 0, 2, &discoverError);
    if (!devices) {
        *error = discoverError == UPNPDISCOVER_SUCCESS
                     ? QStringLiteral("no UPnP gateway answered within %1 ms").arg(delayMs)
                     : QStringLiteral("UPnP discovery failed (error %1)").arg(discoverError);
        return false;
    }
    char lan[64] = {};
#if MINIUPNPC_API_VERSION >= 18
    char wan[64] = {};
    const int found = UPNP_GetValidIGD(devices, &d->urls, &d->data, lan, sizeof lan, wan, sizeof wan);
#else
    const int found = UPNP_GetValidIGD(devices, &d->urls, &d->data, lan, sizeof lan);
#endif
    freeUPNPDevlist(devices);
    if (found <= 0) {
        *error = QStringLiteral("UPnP devices answered but none is an Internet Gateway Device");
        return false;
    }
    d->valid = true;
    if (found != 1) { // 2: IGD not connected, 3: not an IGD (and later API values)
        *error = found == 2 ? QStringLiteral("the UPnP gateway %1 says it is not connected").arg(QString::fromLatin1(d->urls.controlURL))
                            : QStringLiteral("the UPnP device %1 is not an Internet Gateway Device").arg(QString::fromLatin1(d->urls.controlURL));
        return false;
    }
    m_lanAddress = QString::fromLatin1(lan);
    if (m_lanAddress.isEmpty()) {
        *error = QStringLiteral("cannot tell our LAN address towards the UPnP gateway");
        return false;
    }
    return true;
}

UpnpGateway::Result UpnpIgd::externalIp(QString *ip)
{
    if (!d->valid) return {UPNPCOMMAND_INVALID_ARGS, QStringLiteral("no UPnP gateway")};
    char out[40] = {};
    const Result r = result(UPNP_GetExternalIPAddress(d->urls.controlURL, d->data.first.servicetype, out));
    if (r.ok()) *ip = QString::fromLatin1(out);
    return r;
}

UpnpGateway::Result UpnpIgd::addMapping(quint16 externalPort, const QString &protocol, const QString &client,
                                        quint16 port, const QString &description)
{
    if (!d->valid) return {UPNPCOMMAND_INVALID_ARGS, QStringLiteral("no UPnP gateway")};
    const QByteArray ext = QByteArray::number(externalPort), in = QByteArray::number(port);
    // Lease "0": permanent (many IGDv1 only support that); refreshed and deleted by us.
    return result(UPNP_AddPortMapping(d->urls.controlURL, d->data.first.servicetype, ext.constData(), in.constData(),
                                      client.toLatin1().constData(), description.toUtf8().constData(),
                                      protocol.toLatin1().constData(), nullptr, "0"));
}

UpnpGateway::Result UpnpIgd::deleteMapping(quint16 externalPort, const QString &protocol)
{
    if (!d->valid) return {UPNPCOMMAND_INVALID_ARGS, QStringLiteral("no UPnP gateway")};
    const QByteArray ext = QByteArray::number(externalPort);
    return result(UPNP_DeletePortMapping(d->urls.controlURL, d->data.first.servicetype, ext.constData(),
                                         protocol.toLatin1().constData(), nullptr));
}

QList<UpnpPlan::Entry> UpnpIgd::mappings()
{
    QList<UpnpPlan::Entry> out;
    if (!d->valid) return out;
    for (int i = 0; i < 256; ++i) { // bounded: a home router holds a few dozen at most
        char extPort[6] = {}, client[16] = {}, intPort[6] = {}, protocol[4] = {}, desc[80] = {}, enabled[6] = {},
             remote[64] = {}, duration[16] = {};
        const QByteArray index = QByteArray::number(i);
        if (UPNP_GetGenericPortMappingEntry(d->urls.controlURL, d->data.first.servicetype, index.constData(), extPort,
                                            client, intPort, protocol, desc, enabled, remote, duration)
            != UPNPCOMMAND_SUCCESS)
            break; // 713 SpecifiedArrayIndexInvalid: end of the table
        UpnpPlan::Entry e;
        e.externalPort = quint16(QByteArray(extPort).toUInt());
        e.protocol = QString::fromLatin1(protocol);
        e.internalClient = QString::fromLatin1(client);
        e.internalPort = quint16(QByteArray(intPort).toUInt());
        e.description = QString::fromUtf8(desc);
        out << e;
    }
    return out;
}

} // namespace re6st::daemon
