// SPDX-License-Identifier: GPL-2.0-or-later
#include "EnrollProgressPage.h"

#include "EnrollTokenPage.h"
#include "EnrollWizard.h"
#include "PageCall.h"
#include "enrollment1proxy.h"

#include <QCheckBox>
#include <QDBusPendingReply>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace re6st::gui {

namespace {
const QStringList kSteps{QStringLiteral("fetching-ca"), QStringLiteral("generating-key"),
                         QStringLiteral("requesting-certificate"), QStringLiteral("writing-files"),
                         QStringLiteral("starting"), QStringLiteral("done")};
} // namespace

EnrollProgressPage::EnrollProgressPage(QWidget *parent)
    : QWizardPage(parent), m_bar(new QProgressBar(this)), m_step(new QLabel(this)), m_error(new QLabel(this)),
      m_replace(new QCheckBox(tr("&Replace the current certificate (this computer leaves its current network)"), this)),
      m_retry(new QPushButton(tr("&Try again"), this))
{
    setTitle(tr("Joining the network"));
    setSubTitle(tr("The re6st daemon creates this computer's key and obtains its certificate. "
                   "You may be asked for an administrator's password."));
    m_bar->setRange(0, int(kSteps.size()));
    m_step->setObjectName(QStringLiteral("step"));
    m_step->setWordWrap(true);
    m_step->setTextFormat(Qt::PlainText); // the daemon's progress detail
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::PlainText); // the daemon's error message
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
    m_replace->setObjectName(QStringLiteral("replace"));
    m_replace->hide();
    m_retry->setObjectName(QStringLiteral("retry"));
    m_retry->hide();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_bar);
    layout->addWidget(m_step);
    layout->addWidget(m_error);
    layout->addWidget(m_replace);
    layout->addWidget(m_retry, 0, Qt::AlignLeft);
    layout->addStretch();
    connect(m_retry, &QPushButton::clicked, this, &EnrollProgressPage::start);
}

void EnrollProgressPage::initializePage()
{
    auto *w = qobject_cast<EnrollWizard *>(wizard());
    connect(w->proxy(), &Enrollment1Proxy::Progress, this, &EnrollProgressPage::onProgress, Qt::UniqueConnection);
    m_replace->setChecked(false);
    m_replace->hide();
    start();
}

void EnrollProgressPage::cleanupPage()
{
    ++m_generation; // we left the page (only possible when not running)
    m_running = false;
    m_done = false;
    m_error->hide();
    m_retry->hide();
}

bool EnrollProgressPage::isComplete() const
{
    return m_done;
}

bool EnrollProgressPage::validatePage()
{
    return m_done;
}

QString EnrollProgressPage::error() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

int EnrollProgressPage::stepValue(const QString &step)
{
    return int(kSteps.indexOf(step)) + 1;
}

void EnrollProgressPage::onProgress(const QString &step, const QString &detail)
{
    if (!m_running)
        return;
    m_steps << step;
    if (const int value = stepValue(step); value > 0)
        m_bar->setValue(qMax(m_bar->value(), value));
    // The daemon's detail is a short English sentence; the step name is ours to translate.
    QString text;
    if (step == QLatin1String("fetching-ca")) text = tr("Checking the network's certificate…");
    else if (step == QLatin1String("generating-key")) text = tr("Generating this computer's key…");
    else if (step == QLatin1String("requesting-certificate")) text = tr("Obtaining the certificate from the registry…");
    else if (step == QLatin1String("writing-files")) text = tr("Saving the configuration…");
    else if (step == QLatin1String("starting")) text = tr("Starting the node…");
    else if (step == QLatin1String("done")) text = tr("Done.");
    else text = detail;
    m_step->setText(text);
}

void EnrollProgressPage::start()
{
    auto *w = qobject_cast<EnrollWizard *>(wizard());
    const bool anonymous = field(QStringLiteral("anonymous")).toBool();
    QVariantMap options;
    if (anonymous)
        options.insert(QStringLiteral("anonymous"), true);
    if (m_replace->isChecked())
        options.insert(QStringLiteral("replace"), true);
    const QString token = anonymous ? QString() : field(QStringLiteral("token")).toString().trimmed();
    m_running = true;
    m_done = false;
    m_steps.clear();
    m_bar->setValue(0);
    m_error->hide();
    m_retry->hide();
    m_replace->setEnabled(false);
    m_step->setText(tr("Waiting for the re6st daemon…"));
    const int generation = ++m_generation;
    QDBusPendingCallWatcher *watcher =
        w->call(QStringLiteral("Enroll"), {w->registry, w->fingerprint, token, options}, EnrollWizard::kLongCallTimeoutMs, this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, w, generation, anonymous](QDBusPendingCallWatcher *call) {
        call->deleteLater();
        if (generation != m_generation)
            return;
        m_running = false;
        m_replace->setEnabled(true);
        const QDBusPendingReply<QVariantMap> reply = *call;
        if (!reply.isError()) {
            w->result = reply.argumentAt<0>();
            m_bar->setValue(m_bar->maximum());
            m_step->setText(tr("Done."));
            m_done = true;
            Q_EMIT completeChanged();
            w->next();
            return;
        }
        const QString name = reply.error().name();
        const QString text = EnrollWizard::errorText(name, reply.error().message());
        m_step->clear();
        if (name == QLatin1String("org.re6st.Error.TokenRejected") && !anonymous) {
            w->back(); // to the token page, which shows why
            if (auto *tokenPage = qobject_cast<EnrollTokenPage *>(w->page(EnrollWizard::TokenPageId)))
                tokenPage->showError(text);
            return;
        }
        if (name == QLatin1String("org.re6st.Error.AlreadyEnrolled"))
            m_replace->show();
        m_error->setText(text);
        m_error->show();
        m_retry->show();
        Q_EMIT completeChanged();
        PageCall::syncBackButton(this, m_running);
    });
    Q_EMIT completeChanged();
    PageCall::syncBackButton(this, m_running);
}

} // namespace re6st::gui
