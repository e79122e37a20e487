// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QWizardPage>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace re6st::gui {

// Fifth page of EnrollWizard: calls Enroll (asynchronously, 10 min timeout) and shows the
// daemon's Progress steps. Back is disabled while it runs. A refused token goes back to
// the token page; AlreadyEnrolled offers "replace"; any other failure stays here with
// the reason and a Retry button.
class EnrollProgressPage final : public QWizardPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollProgressPage)
public:
    explicit EnrollProgressPage(QWidget *parent = nullptr);
    void initializePage() override;
    void cleanupPage() override;
    bool isComplete() const override;
    bool validatePage() override;

    bool running() const { return m_running; }
    QString error() const;
    QStringList steps() const { return m_steps; }
    QCheckBox *replaceBox() const { return m_replace; }
    QPushButton *retryButton() const { return m_retry; }
    QProgressBar *progressBar() const { return m_bar; }

private:
    void start();
    void onProgress(const QString &step, const QString &detail);
    static int stepValue(const QString &step);

    QProgressBar *m_bar;
    QLabel *m_step;
    QLabel *m_error;
    QCheckBox *m_replace;
    QPushButton *m_retry;
    QStringList m_steps;
    bool m_running = false;
    bool m_done = false;
    int m_generation = 0; // answers of an abandoned call are ignored
};

} // namespace re6st::gui
