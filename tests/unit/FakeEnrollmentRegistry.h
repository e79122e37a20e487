// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// In-test registry for the enrollment flow (getCa, requestToken, requestCertificate),
// shared by tst_enrollment and tst_conf. Issues real certificates with the vector CA.
#include "Vectors.h"
#include "core/FormCodec.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"

#include <QDateTime>
#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <functional>
#include <sys/stat.h>

namespace re6st::test {

// Minimal registry speaking HTTP/1.0 (getCa, requestToken, requestCertificate).
class FakeRegistry final : public QObject
{
public:
    struct Call
    {
        QByteArray method;
        QMap<QByteArray, QByteArray> params;
    };
    QList<Call> calls;
    crypto::Certificate ca;
    crypto::RsaKey caKey;
    QByteArray goodToken = "goodtoken";
    QString cn = QStringLiteral("1/16");
    int tokenStatus = 204;       // answer to requestToken
    QByteArray tokenPage = "<html>error page</html>"; // its body, when an error
    int certificateStatus = 200; // 200: issue if the token is good (else 204)
    bool anonymousAllowed = true;
    std::function<void()> onRequestCertificate; // runs before requestCertificate is answered

    FakeRegistry()
    {
        ca = *crypto::Certificate::fromPem(test::readVector(QStringLiteral("crypto/ca.crt")));
        caKey = *crypto::RsaKey::fromPem(test::readVector(QStringLiteral("crypto/ca.key")));
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
            }
        });
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/").arg(m_server.serverPort()); }
    QList<QByteArray> methods() const
    {
        QList<QByteArray> m;
        for (const Call &c : calls)
            m << c.method;
        return m;
    }
    QByteArray lastCsr;

private:
    std::pair<int, QByteArray> answer(const Call &c)
    {
        if (c.method == "getCa")
            return {200, ca.toPem()};
        if (c.method == "requestToken")
            return {tokenStatus, tokenPage};
        if (c.method != "requestCertificate")
            return {400, {}};
        if (onRequestCertificate)
            onRequestCertificate();
        const QByteArray token = c.params.value("token");
        if (token.isEmpty() && !anonymousAllowed)
            return {403, "<html>anonymous registration disabled</html>"};
        if (certificateStatus != 200)
            return {certificateStatus, {}};
        if (!token.isEmpty() && token != goodToken)
            return {204, {}};
        lastCsr = c.params.value("req");
        const auto csr = crypto::CertificateRequest::fromPem(lastCsr);
        if (!csr)
            return {500, {}};
        crypto::Subject subject = csr->subject();
        crypto::subjectReplace(subject, "serialNumber", QStringLiteral("1"));
        crypto::subjectReplace(subject, "CN", cn);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const auto cert = crypto::Certificate::issue(ca, caKey, 2, subject, csr->publicKey(), now, now + 365 * 86400);
        return cert ? std::pair<int, QByteArray>{200, cert->toPem()} : std::pair<int, QByteArray>{500, {}};
    }
    void onData(QTcpSocket *s)
    {
        QByteArray buf = s->property("buf").toByteArray() + s->readAll();
        const qsizetype end = buf.indexOf("\r\n\r\n");
        if (end < 0) {
            s->setProperty("buf", buf);
            return;
        }
        const QByteArray target = buf.left(buf.indexOf('\n')).split(' ').value(1);
        Call c;
        c.method = target.mid(1, target.indexOf('?') < 0 ? -1 : target.indexOf('?') - 1);
        if (target.contains('?'))
            for (const auto &p : formcodec::decode(target.mid(target.indexOf('?') + 1)).value_or(formcodec::Params{}))
                c.params.insert(p.first, p.second);
        calls << c;
        const auto [status, body] = answer(c);
        QByteArray out = "HTTP/1.0 " + QByteArray::number(status) + " X\r\n";
        if (status != 204)
            out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        s->write(out + "\r\n" + body);
        s->disconnectFromHost();
    }
    QTcpServer m_server;
};

inline int fileMode(const QString &path)
{
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace re6st::test
