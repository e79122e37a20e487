// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The Prometheus contract of re6st-qt: every metric that re6stnet and
// re6st-registry expose on their opt-in loopback endpoint (--metrics ADDR:PORT),
// with its type, help text and label names. Dashboards and alerts depend on
// these names: rename nothing, only add. Writers (core/PrometheusText) take a
// MetricSpec from here, so a sample can only be emitted for a listed metric.
//
// Conventions (https://prometheus.io/docs/practices/naming/): counters end in
// _total, units in the name (_seconds, _bytes), one metric per meaning, label
// values from small fixed sets (no prefixes, addresses or emails as labels).
#include <array>
#include <string_view>

namespace re6st::metrics {

enum class MetricType { Counter, Gauge, Histogram };

constexpr std::string_view typeName(MetricType type)
{
    switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
    }
    return "untyped";
}

struct MetricSpec
{
    static constexpr int MaxLabels = 2;
    std::string_view name;
    MetricType type;
    std::string_view help;
    std::array<std::string_view, MaxLabels> labels{}; // unused slots empty

    constexpr int labelCount() const
    {
        int n = 0;
        while (n < MaxLabels && !labels[size_t(n)].empty()) ++n;
        return n;
    }
};

// ---------------------------------------------------------------------------
// Both programs

inline constexpr MetricSpec BuildInfo{
    "re6st_build_info", MetricType::Gauge,
    "Always 1; the re6st-qt version of this process in the version label.", {"version", "program"}};

// ---------------------------------------------------------------------------
// re6stnet (node daemon)

inline constexpr MetricSpec NodeUp{
    "re6st_node_up", MetricType::Gauge, "Always 1 while the node daemon answers scrapes."};
inline constexpr MetricSpec NodeState{
    "re6st_node_state", MetricType::Gauge,
    "1 for the current run state of the node, 0 for the others "
    "(stopped, starting, connecting, connected, registry-unreachable, stopping, error).",
    {"state"}};
inline constexpr MetricSpec NodeTunnels{
    "re6st_node_tunnels", MetricType::Gauge,
    "Open OpenVPN tunnels: client = we connected to the peer, server = the peer connected to us.",
    {"direction"}};
inline constexpr MetricSpec NodePeers{
    "re6st_node_peers", MetricType::Gauge, "Peers currently known to the node (peer database and tunnels)."};
inline constexpr MetricSpec NodeTunnelBytes{
    "re6st_node_tunnel_bytes_total", MetricType::Counter,
    "Bytes received (rx) and sent (tx) over the tunnels since the daemon started "
    "(bytes of a tunnel after its last observation before it closed are not counted).",
    {"direction"}};
inline constexpr MetricSpec NodePeerDatagramsReceived{
    "re6st_node_peer_datagrams_received_total", MetricType::Counter,
    "Datagrams read on the peer protocol UDP port 326."};
inline constexpr MetricSpec NodePeerDatagramsDropped{
    "re6st_node_peer_datagrams_dropped_total", MetricType::Counter,
    "Invalid or unauthenticated peer protocol datagrams dropped, by short reason.", {"reason"}};
inline constexpr MetricSpec NodeBabeldRestarts{
    "re6st_node_babeld_restarts_total", MetricType::Counter,
    "Unexpected babeld exits followed by a restart."};
inline constexpr MetricSpec NodeOpenVpnServerRestarts{
    "re6st_node_openvpn_server_restarts_total", MetricType::Counter,
    "Unexpected OpenVPN server exits followed by a restart."};
inline constexpr MetricSpec NodeRegistryReachable{
    "re6st_node_registry_reachable", MetricType::Gauge, "1 if the last registry request succeeded, else 0."};
inline constexpr MetricSpec NodeBabelReachable{
    "re6st_node_babel_reachable", MetricType::Gauge, "1 if babeld's local control interface answers, else 0."};
inline constexpr MetricSpec NodeRoutes{
    "re6st_node_routes", MetricType::Gauge, "Routes known to babeld, by whether they are installed in the kernel.",
    {"installed"}};
inline constexpr MetricSpec NodeCertificateNotAfter{
    "re6st_node_certificate_not_after_seconds", MetricType::Gauge,
    "Expiry of the node certificate, Unix time (0: no certificate)."};
inline constexpr MetricSpec NodeCertificateRenewal{
    "re6st_node_certificate_renewal_seconds", MetricType::Gauge,
    "When the node renews its certificate, Unix time (0: not scheduled)."};

inline constexpr std::array<const MetricSpec *, 15> NodeCatalog{
    &BuildInfo, &NodeUp, &NodeState, &NodeTunnels, &NodePeers, &NodeTunnelBytes,
    &NodePeerDatagramsReceived, &NodePeerDatagramsDropped, &NodeBabeldRestarts,
    &NodeOpenVpnServerRestarts, &NodeRegistryReachable, &NodeBabelReachable, &NodeRoutes,
    &NodeCertificateNotAfter, &NodeCertificateRenewal};

// ---------------------------------------------------------------------------
// re6st-registry

inline constexpr MetricSpec RegistryRequests{
    "re6st_registry_requests_total", MetricType::Counter,
    "HTTP requests answered, by registry method (registry-protocol.md §6; 'unknown' for any "
    "other or unparseable target) and HTTP status code.",
    {"method", "status"}};
inline constexpr MetricSpec RegistryRequestDuration{
    "re6st_registry_request_duration_seconds", MetricType::Histogram,
    "Time from a complete request head to its response being queued, all methods."};
inline constexpr MetricSpec RegistryCertificatesIssued{
    "re6st_registry_certificates_issued_total", MetricType::Counter,
    "Certificates signed since start: request = new node (requestCertificate), renew = renewCertificate.",
    {"kind"}};
inline constexpr MetricSpec RegistryTokensPending{
    "re6st_registry_tokens_pending", MetricType::Gauge, "Enrollment tokens issued and not yet used or expired."};
inline constexpr MetricSpec RegistryCertificatesValid{
    "re6st_registry_certificates_valid", MetricType::Gauge,
    "Stored node certificates whose notAfter is in the future."};
inline constexpr MetricSpec RegistryCertificatesStored{
    "re6st_registry_certificates_stored", MetricType::Gauge,
    "Stored node certificates, including expired ones kept for the grace period."};

inline constexpr std::array<const MetricSpec *, 7> RegistryCatalog{
    &BuildInfo, &RegistryRequests, &RegistryRequestDuration, &RegistryCertificatesIssued,
    &RegistryTokensPending, &RegistryCertificatesValid, &RegistryCertificatesStored};

// Upper bounds (seconds) of re6st_registry_request_duration_seconds buckets (+Inf implied).
inline constexpr std::array<double, 12> RequestDurationBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

// ---------------------------------------------------------------------------
// Compile-time checks of the contract.

namespace detail {
constexpr bool isNameChar(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
        || (!first && c >= '0' && c <= '9');
}
constexpr bool validName(std::string_view name, bool label)
{
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        if (label && name[i] == ':') return false;
        if (!isNameChar(name[i], i == 0)) return false;
    }
    return !label || !(name.size() >= 2 && name[0] == '_' && name[1] == '_'); // __ is reserved
}
constexpr bool endsWith(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
template<size_t N>
constexpr bool validCatalog(const std::array<const MetricSpec *, N> &list)
{
    for (size_t i = 0; i < N; ++i) {
        const MetricSpec &m = *list[i];
        if (!validName(m.name, false) || m.help.empty()) return false;
        if ((m.type == MetricType::Counter) != endsWith(m.name, "_total")) return false;
        for (int l = 0; l < m.labelCount(); ++l) {
            if (!validName(m.labels[size_t(l)], true)) return false;
            if (m.type == MetricType::Histogram && m.labels[size_t(l)] == "le") return false;
        }
        for (size_t j = i + 1; j < N; ++j)
            if (list[j]->name == m.name) return false;
    }
    return true;
}
} // namespace detail

static_assert(detail::validCatalog(NodeCatalog), "node metric catalog: invalid or duplicate name");
static_assert(detail::validCatalog(RegistryCatalog), "registry metric catalog: invalid or duplicate name");

} // namespace re6st::metrics
