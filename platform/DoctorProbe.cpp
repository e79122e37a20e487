// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/DoctorProbe.h"

#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslCertificate>
#include <QTimer>
#include <QUrl>

#include <sys/utsname.h>
#include <unistd.h>

namespace re6st::platform {

namespace {

const QString kNeedRoot = QStringLiteral("needs root: run `sudo re6stctl doctor`, or ask the running daemon (`re6stctl doctor` without --local)");

QString oneLine(const QByteArray &text)
{
    return QString::fromUtf8(text).trimmed().replace(u'\n', QStringLiteral("; ")).left(300);
}

std::optional<int> readInt(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
    bool ok = false;
    const int v = f.readAll().trimmed().toInt(&ok);
    return ok ? std::optional<int>(v) : std::nullopt;
}

QJsonArray ipJson(const QStringList &args, int timeoutMs)
{
    const DoctorProbe::Run r = DoctorProbe::run(QStringLiteral("ip"), QStringList{QStringLiteral("-j")} + args, timeoutMs);
    if (!r.finished || r.exitCode != 0) return {};
    return QJsonDocument::fromJson(r.out).array();
}

// node-protocol.md §2.4 step 7, as re6stnet does it at start; unprivileged: the kernel config.
void subtrees(doctor::DoctorFacts &f, int timeoutMs)
{
    if (DoctorProbe::isRoot()) {
        const QStringList route{QStringLiteral("unreachable"), QStringLiteral("::/128"), QStringLiteral("from"),
                                QStringLiteral("::/128")};
        const DoctorProbe::Run add = DoctorProbe::run(
            QStringLiteral("ip"), QStringList{QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("add")} + route, timeoutMs);
        if (!add.started) {
            f.ipv6SubtreesSkip = QStringLiteral("`ip` (iproute2) is not installed: apt install iproute2");
            return;
        }
        const QString err = oneLine(add.err);
        if (add.finished && add.exitCode == 0) {
            DoctorProbe::run(QStringLiteral("ip"), QStringList{QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("del")} + route,
                             timeoutMs);
            f.ipv6Subtrees = true;
            f.ipv6SubtreesHow = QStringLiteral("`ip -6 route add unreachable ::/128 from ::/128` works (node-protocol.md §2.4 step 7)");
        } else if (err.contains(QLatin1String("File exists"))) {
            f.ipv6Subtrees = true; // re6stnet's own test route is there right now
            f.ipv6SubtreesHow = QStringLiteral("a source-specific route ::/128 from ::/128 exists");
        } else {
            f.ipv6Subtrees = false;
            f.ipv6SubtreesHow = QStringLiteral("`ip -6 route add unreachable ::/128 from ::/128` fails: %1").arg(err);
        }
        return;
    }
    struct utsname u;
    if (::uname(&u) == 0) {
        const QString path = QStringLiteral("/boot/config-%1").arg(QString::fromLocal8Bit(u.release));
        QFile config(path);
        if (config.open(QIODevice::ReadOnly)) {
            const QByteArray text = config.readAll();
            f.ipv6Subtrees = text.contains("\nCONFIG_IPV6_SUBTREES=y");
            f.ipv6SubtreesHow = QStringLiteral("%1 %2 CONFIG_IPV6_SUBTREES=y").arg(path, *f.ipv6Subtrees ? QStringLiteral("has") : QStringLiteral("lacks"));
            return;
        }
    }
    f.ipv6SubtreesSkip = QStringLiteral("adding a test source-specific route %1").arg(kNeedRoot);
}

void forwarding(doctor::DoctorFacts &f, const QString &procSys)
{
    f.ipv6Forwarding = readInt(procSys + QStringLiteral("/net/ipv6/conf/all/forwarding"));
    if (!f.ipv6Forwarding)
        f.ipv6ForwardingSkip = QStringLiteral("%1/net/ipv6/conf/all/forwarding is not readable (no IPv6?)").arg(procSys);
}

void interfaces(doctor::DoctorFacts &f, const QString &procSys, int timeoutMs)
{
    const QDir conf(procSys + QStringLiteral("/net/ipv6/conf"));
    if (!conf.exists()) {
        f.interfacesSkip = QStringLiteral("%1 does not exist (no IPv6?)").arg(conf.path());
        return;
    }
    // Learned from router advertisements: a default route "proto ra", or a global
    // address with a finite lifetime ("dynamic", as SLAAC gives).
    QStringList advertised;
    for (const QJsonValue &r : ipJson({QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("show"),
                                       QStringLiteral("default"), QStringLiteral("proto"), QStringLiteral("ra")}, timeoutMs))
        advertised << r.toObject().value(QLatin1String("dev")).toString();
    for (const QJsonValue &l : ipJson({QStringLiteral("-6"), QStringLiteral("addr"), QStringLiteral("show"),
                                       QStringLiteral("scope"), QStringLiteral("global")}, timeoutMs)) {
        const QJsonObject link = l.toObject();
        for (const QJsonValue &a : link.value(QLatin1String("addr_info")).toArray())
            if (a.toObject().value(QLatin1String("dynamic")).toBool())
                advertised << link.value(QLatin1String("ifname")).toString();
    }
    QList<doctor::DoctorFacts::Interface> list;
    for (const QString &name : conf.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        if (name == QLatin1String("all") || name == QLatin1String("default")) continue;
        doctor::DoctorFacts::Interface i;
        i.name = name;
        i.acceptRa = readInt(conf.filePath(name + QStringLiteral("/accept_ra")));
        i.routerAdvertised = advertised.contains(name);
        list << i;
    }
    f.interfaces = list;
}

QStringList uplinks(int timeoutMs)
{
    QStringList out;
    for (const QString &family : {QStringLiteral("-4"), QStringLiteral("-6")})
        for (const QJsonValue &r : ipJson({family, QStringLiteral("route"), QStringLiteral("show"), QStringLiteral("default")}, timeoutMs)) {
            const QString dev = r.toObject().value(QLatin1String("dev")).toString();
            if (!dev.isEmpty() && !out.contains(dev)) out << dev;
        }
    if (!out.isEmpty()) return out;
    // No default route (a lab, a LAN): every interface with a global address.
    for (const QJsonValue &l : ipJson({QStringLiteral("addr"), QStringLiteral("show"), QStringLiteral("scope"), QStringLiteral("global")}, timeoutMs)) {
        const QString name = l.toObject().value(QLatin1String("ifname")).toString();
        if (!name.isEmpty() && name != QLatin1String("lo") && !name.startsWith(QLatin1String("re6stnet")) && !out.contains(name))
            out << name;
    }
    return out;
}

void firewall(doctor::DoctorFacts &f, int timeoutMs)
{
    const bool root = DoctorProbe::isRoot();
    const DoctorProbe::Run nft = DoctorProbe::run(QStringLiteral("nft"), {QStringLiteral("-j"), QStringLiteral("list"), QStringLiteral("ruleset")}, timeoutMs);
    if (nft.started) {
        if (nft.finished && nft.exitCode == 0) f.nftJson = nft.out;
        else if (!root) f.nftSkip = QStringLiteral("reading the firewall rules %1").arg(kNeedRoot);
        else f.nftSkip = QStringLiteral("`nft -j list ruleset` failed: %1").arg(nft.finished ? oneLine(nft.err) : QStringLiteral("timed out"));
    }
    bool iptablesMissing = true;
    for (int family : {6, 4}) {
        const QString tool = family == 6 ? QStringLiteral("ip6tables-save") : QStringLiteral("iptables-save");
        const DoctorProbe::Run r = DoctorProbe::run(tool, {}, timeoutMs);
        if (!r.started) continue;
        iptablesMissing = false;
        if (r.finished && r.exitCode == 0) {
            (family == 6 ? f.ip6tablesSave : f.iptablesSave) = QString::fromUtf8(r.out);
        } else if (f.iptablesSkip.isEmpty()) {
            f.iptablesSkip = !root ? QStringLiteral("reading the firewall rules %1").arg(kNeedRoot)
                                   : QStringLiteral("`%1` failed: %2").arg(tool, r.finished ? oneLine(r.err) : QStringLiteral("timed out"));
        }
    }
    Q_UNUSED(iptablesMissing)
}

void versions(doctor::DoctorFacts &f, int timeoutMs)
{
    const DoctorProbe::Run ovpn = DoctorProbe::run(QStringLiteral("openvpn"), {QStringLiteral("--version")}, timeoutMs);
    if (ovpn.started) {
        if (ovpn.finished) f.openvpnVersion = QString::fromUtf8(ovpn.out + ovpn.err); // 2.x exits 1 after --version
        else f.openvpnSkip = QStringLiteral("`openvpn --version` timed out");
    }
    const DoctorProbe::Run babel = DoctorProbe::run(QStringLiteral("babeld"), {QStringLiteral("-V")}, timeoutMs);
    if (babel.started) {
        if (babel.finished) f.babeldVersion = QString::fromUtf8(babel.out + babel.err); // printed on stderr
        else f.babeldSkip = QStringLiteral("`babeld -V` timed out");
    }
}

void certificate(doctor::DoctorFacts &f, const QString &path)
{
    f.certPath = path;
    if (path.isEmpty()) return;
    QFile file(path);
    if (!file.exists()) {
        f.certError = QStringLiteral("%1 does not exist").arg(path);
        return;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        if (file.error() == QFileDevice::OpenError && !QFileInfo(path).isReadable())
            f.certSkip = QStringLiteral("%1 is not readable by this user: run as root").arg(path);
        else
            f.certError = QStringLiteral("%1: %2").arg(path, file.errorString());
        return;
    }
    const QList<QSslCertificate> certs = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (certs.isEmpty() || certs.first().isNull()) {
        f.certError = QStringLiteral("%1 holds no PEM certificate").arg(path);
        return;
    }
    f.certNotAfter = certs.first().expiryDate().toSecsSinceEpoch();
}

} // namespace

bool DoctorProbe::isRoot() { return ::geteuid() == 0; }

DoctorProbe::Run DoctorProbe::run(const QString &program, const QStringList &args, int timeoutMs)
{
    Run r;
    QProcess p;
    p.setProgram(program);
    p.setArguments(args);
    p.setStandardInputFile(QProcess::nullDevice());
    p.start();
    if (!p.waitForStarted(timeoutMs)) return r;
    r.started = true;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(1000);
        return r;
    }
    r.finished = true;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

bool DoctorProbe::registryAnswers(const QString &url, int timeoutMs, QString *error)
{
    QString base = url;
    if (!base.endsWith(u'/')) base += u'/';
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(base + QStringLiteral("getCa")));
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = nam.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs + 1000, &loop, &QEventLoop::quit);
    if (!reply->isFinished()) loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    bool ok = reply->isFinished() && reply->error() == QNetworkReply::NoError && status == 200;
    if (!ok && error)
        *error = !reply->isFinished() ? QStringLiteral("GET %1getCa: no answer within %2 s").arg(base).arg(timeoutMs / 1000)
                 : status ? QStringLiteral("GET %1getCa: HTTP %2").arg(base).arg(status)
                          : QStringLiteral("GET %1getCa: %2").arg(base, reply->errorString());
    reply->abort();
    delete reply;
    return ok;
}

doctor::DoctorFacts DoctorProbe::gather(const Input &in)
{
    doctor::DoctorFacts f;
    f.now = QDateTime::currentSecsSinceEpoch();
    f.gateway = in.config.gateway;
    f.nodeRunning = in.nodeRunning;
    subtrees(f, in.timeoutMs);
    forwarding(f, in.procSys);
    interfaces(f, in.procSys, in.timeoutMs);
    f.networkManager = in.networkManager;
    f.conflicts = in.conflicts;
    f.networkManagerSkip = in.networkManagerSkip;
    f.babelInterfaces = in.config.babelInterfaces(in.defaultClientCount);
    f.serverPorts = in.config.serverPorts();
    f.uplinks = uplinks(in.timeoutMs);
    firewall(f, in.timeoutMs);
    versions(f, in.timeoutMs);
    certificate(f, in.config.cert);
    f.registryUrl = in.config.registry;
    if (in.registryReachable) {
        f.registryReachable = in.registryReachable;
        f.registryDetail = in.registryDetail;
    } else if (in.probeRegistry && !f.registryUrl.isEmpty()) {
        QString error;
        f.registryReachable = registryAnswers(f.registryUrl, in.timeoutMs * 2, &error);
        f.registryDetail = error;
    } else if (!f.registryUrl.isEmpty()) {
        f.registrySkip = QStringLiteral("the daemon has not contacted the registry yet");
    }
    return f;
}

} // namespace re6st::platform
