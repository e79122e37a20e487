// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/RegistryMetrics.h"

#include "core/PrometheusText.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"

#include <QDateTime>
#include <QMap>

namespace re6st::registry {

using metrics::PrometheusText;

int RegistryMetrics::methodIndex(QByteArrayView target)
{
    // §4.1: "/<method>" or "/<method>?<query>", exactly one '/'.
    if (target.isEmpty() || target.front() != '/') return UnknownIndex;
    const qsizetype q = target.indexOf('?');
    const QByteArrayView name = target.sliced(1, (q < 0 ? target.size() : q) - 1);
    for (size_t i = 0; i < Methods.size(); ++i)
        if (Methods[i] == name) return int(i);
    return UnknownIndex;
}

QByteArrayView RegistryMetrics::methodOf(QByteArrayView target)
{
    const int i = methodIndex(target);
    return i == UnknownIndex ? Unknown : Methods[size_t(i)];
}

void RegistryMetrics::recordRequest(const QByteArray &target, int status, qint64 elapsedNs)
{
    const quint32 key = (quint32(methodIndex(target)) << 16) | quint32(status & 0xffff);
    ++m_requests[key];
    if (elapsedNs < 0) return; // never dispatched (bad request head)
    const double seconds = double(elapsedNs) / 1e9;
    m_durationSum += seconds;
    ++m_durationCount;
    for (size_t i = 0; i < m_buckets.size(); ++i) {
        if (seconds <= metrics::RequestDurationBuckets[i]) {
            ++m_buckets[i];
            break;
        }
    }
}

quint64 RegistryMetrics::requests(QByteArrayView method, int status) const
{
    int index = UnknownIndex;
    for (size_t i = 0; i < Methods.size(); ++i)
        if (Methods[i] == method) index = int(i);
    return m_requests.value((quint32(index) << 16) | quint32(status & 0xffff));
}

RegistryMetrics::Snapshot RegistryMetrics::snapshot(const RegistryService &service, const RegistryStore &store)
{
    Snapshot s;
    s.certificatesRequested = service.counters().certificatesRequested;
    s.certificatesRenewed = service.counters().certificatesRenewed;
    s.tokensPending = store.tokenCount(); // SELECT COUNT(*), at scrape time only
    const CertificateIndex &index = service.certificateIndex();
    s.certificatesStored = index.size();
    s.certificatesValid = index.size() - index.expiredUpTo(service.now()).size();
    return s;
}

QByteArray RegistryMetrics::render(const Snapshot &snapshot) const
{
    using namespace re6st::metrics;
    PrometheusText t;
    t.family(BuildInfo);
    t.sample(BuildInfo, {RE6ST_VERSION, "re6st-registry"}, quint64(1));

    t.family(RegistryRequests);
    // Sorted output (method name, status): stable for humans and diffs.
    QMap<std::pair<QByteArray, int>, quint64> sorted;
    for (auto it = m_requests.cbegin(); it != m_requests.cend(); ++it) {
        const int index = int(it.key() >> 16);
        const QByteArrayView method = index == UnknownIndex ? Unknown : Methods[size_t(index)];
        sorted.insert({method.toByteArray(), int(it.key() & 0xffff)}, it.value());
    }
    for (auto it = sorted.cbegin(); it != sorted.cend(); ++it)
        t.sample(RegistryRequests, {it.key().first, QByteArray::number(it.key().second)}, it.value());

    t.family(RegistryRequestDuration);
    std::array<quint64, RequestDurationBuckets.size()> cumulative{};
    quint64 running = 0;
    for (size_t i = 0; i < m_buckets.size(); ++i) cumulative[i] = running += m_buckets[i];
    t.histogram(RegistryRequestDuration, {}, RequestDurationBuckets, cumulative, m_durationSum, m_durationCount);

    t.family(RegistryCertificatesIssued);
    t.sample(RegistryCertificatesIssued, {"request"}, snapshot.certificatesRequested);
    t.sample(RegistryCertificatesIssued, {"renew"}, snapshot.certificatesRenewed);
    t.family(RegistryTokensPending);
    t.sample(RegistryTokensPending, double(snapshot.tokensPending));
    t.family(RegistryCertificatesValid);
    t.sample(RegistryCertificatesValid, double(snapshot.certificatesValid));
    t.family(RegistryCertificatesStored);
    t.sample(RegistryCertificatesStored, double(snapshot.certificatesStored));
    return t.take();
}

} // namespace re6st::registry
