// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/MetricsCatalog.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <array>

namespace re6st::registry {

class RegistryService;
class RegistryStore;

// re6st-registry's metrics (core/MetricsCatalog.h, RegistryCatalog): request
// counters fed by HttpFront's observer, rendered with the service's counters
// and store gauges at scrape time. Only exists with --metrics.
// Hot path: recordRequest() = a scan of 19 method names, one QHash increment
// and one histogram bucket increment; no allocation once a (method, status)
// pair was seen.
class RegistryMetrics final
{
public:
    // Gauges and counters read at scrape time.
    struct Snapshot
    {
        quint64 certificatesRequested = 0;
        quint64 certificatesRenewed = 0;
        qint64 tokensPending = 0;
        qint64 certificatesValid = 0;
        qint64 certificatesStored = 0;
    };

    // The method names of registry-protocol.md §6, in dispatch order.
    static constexpr std::array<QByteArrayView, 19> Methods{
        "hello", "getCa", "requestToken", "requestCertificate", "renewCertificate", "getDh",
        "getNetworkConfig", "getCountry", "getBootstrapPeer", "isToken", "deleteToken", "addToken",
        "revoke", "updateHMAC", "getNodePrefix", "getIPv6Address", "getIPv4Information", "versions",
        "topology"};
    static constexpr QByteArrayView Unknown = "unknown";

    // Method label of a request target "/<method>[?query]": one of Methods, or
    // Unknown (another name, a bad target, or an unparseable request).
    static QByteArrayView methodOf(QByteArrayView target);

    // HttpFront::Observer.
    void recordRequest(const QByteArray &target, int status, qint64 elapsedNs);

    quint64 requests(QByteArrayView method, int status) const;

    static Snapshot snapshot(const RegistryService &service, const RegistryStore &store);
    QByteArray render(const Snapshot &snapshot) const;

private:
    static constexpr int UnknownIndex = int(Methods.size());
    static int methodIndex(QByteArrayView target);

    QHash<quint32, quint64> m_requests; // (method index << 16) | status -> count
    std::array<quint64, metrics::RequestDurationBuckets.size()> m_buckets{}; // not cumulative
    double m_durationSum = 0;
    quint64 m_durationCount = 0;
};

} // namespace re6st::registry
