;;; eglot-run.el --- QED-Nano's language server in a real Emacs with eglot, in batch mode  -*- lexical-binding: t -*-
;;
;; Run by test/emacs/eglot.test.ts: emacs --batch -Q -l test/emacs/eglot-run.el, with the environment naming
;; the server (QED_EGLOT_SERVER), the model file (QED_EGLOT_MODEL), the storage folder (QED_EGLOT_STORAGE)
;; and the .tex file to open (QED_EGLOT_FILE); the model's replies come from QED_NANO_TEST_SCRIPT, which the
;; server inherits. The setup is README's eglot recipe. Each check prints "ok: ..." or "FAIL: ..." and the
;; first failure exits with status 1; every wait is bounded by a deadline (a hang fails, it is never a result).

(require 'package)
;; -Q skips Debian's site startup, which would add its packages' folder (elpa-eglot, elpa-markdown-mode).
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'eglot)
(require 'flymake)
(require 'imenu)
(require 'xref)
(require 'cl-lib)

(defun qed-env (name)
  (or (getenv name) (progn (princ (format "FAIL: %s is not set\n" name)) (kill-emacs 1))))

(defun qed-fail (format-string &rest args)
  (princ (concat "FAIL: " (apply #'format format-string args) "\n"))
  (let ((server (ignore-errors (eglot-current-server))))
    (when server
      (with-current-buffer (jsonrpc-events-buffer server)
        (princ (format "--- last of the events buffer ---\n%s\n"
                       (buffer-substring-no-properties (max (point-min) (- (point-max) 6000)) (point-max)))))))
  (kill-emacs 1))

(defun qed-ok (format-string &rest args)
  (princ (concat "ok: " (apply #'format format-string args) "\n")))

(defun qed-wait (what predicate &optional seconds)
  "Process server output until PREDICATE returns non-nil (its value), or fail after SECONDS (90: a bound on a
hang on a loaded machine, not a measurement)."
  (let ((deadline (+ (float-time) (or seconds 90))) value)
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or value (qed-fail "%s did not happen within %s s" what (or seconds 90)))))

(defun qed-expect-edit (action what expected)
  "Call ACTION, wait until the buffer changes, and fail unless it then holds EXPECTED (literal text)."
  (let ((before (buffer-string)))
    (funcall action)
    (qed-wait what (lambda () (not (equal before (buffer-string)))))
    (unless (string-match-p (regexp-quote expected) (buffer-string))
      (qed-fail "%s, but not the expected text; the buffer:\n%s" what (buffer-string)))))

;; eglot's synchronous requests (completion-at-point, xref, imenu) give up after jsonrpc's 10 s; a loaded CI
;; machine can take longer than that, which would be no failure of the server.
(setq jsonrpc-default-request-timeout 90)

;; README's recipe: one entry for the LaTeX and Markdown modes, the settings in initializationOptions,
;; clientCommands empty (eglot runs none of QED-Nano's client commands), server edits applied unasked.
(setq eglot-server-programs
      `((((latex-mode :language-id "latex") (markdown-mode :language-id "markdown"))
         . ("node" ,(qed-env "QED_EGLOT_SERVER") "--stdio"
            :initializationOptions
            (:qedNano (:model ,(qed-env "QED_EGLOT_MODEL") :threads 1 :gpu "off" :contextSize 2048
                       :generation (:maxTokens 1500))
             :storagePath ,(qed-env "QED_EGLOT_STORAGE")
             :clientCommands [])))))
(setq eglot-confirm-server-initiated-edits nil)
(setq eglot-sync-connect t)
;; README's commands.
(defun qed-nano-command (command)
  "Run the QED-Nano server's COMMAND at point, without waiting: the server applies its edit and says what it did."
  (jsonrpc-async-request
   (eglot--current-server-or-lose) :workspace/executeCommand
   `(:command ,(symbol-name command)
     :arguments ,(vector (eglot--path-to-uri buffer-file-name) (eglot--pos-to-lsp-position)))
   :success-fn #'ignore
   :error-fn (jsonrpc-lambda (&key message &allow-other-keys) (message "QED-Nano: %s" message))
   :timeout 3600))
(defun qed-nano-prove () (interactive) (qed-nano-command 'qedNano.server.prove))

(find-file (qed-env "QED_EGLOT_FILE"))
(unless (eq major-mode 'latex-mode) (qed-fail "the file opened in %s, not latex-mode" major-mode))
(eglot-ensure)
;; eglot-ensure connects after the next command; batch mode runs none, so run the hook as one would.
(run-hooks 'post-command-hook)
(qed-wait "the connection" (lambda () (eglot-current-server)))
(qed-ok "eglot connected to %s" (plist-get (eglot--server-info (eglot-current-server)) :name))

;; Flymake: the structure diagnostic of the reference to a label that does not exist.
(qed-wait "flymake's diagnostic of \\ref{nosuch}"
          (lambda ()
            (cl-some (lambda (d) (string-match-p "nosuch" (flymake-diagnostic-text d))) (flymake-diagnostics))))
(qed-ok "flymake: %s" (mapconcat #'flymake-diagnostic-text (flymake-diagnostics) " | "))

;; imenu: the outline from textDocument/documentSymbol.
(let* ((index (imenu--make-index-alist t))
       (names (let (acc)
                (cl-labels ((walk (entries) (dolist (e entries)
                                              (when (consp e)
                                                (push (car e) acc)
                                                (when (imenu--subalist-p e) (walk (cdr e)))))))
                  (walk index))
                acc)))
  (unless (cl-some (lambda (n) (string-match-p "Theorem" n)) names) (qed-fail "imenu has no Theorem: %S" names))
  (unless (cl-some (lambda (n) (string-match-p "Lemma" n)) names) (qed-fail "imenu has no Lemma: %S" names))
  (qed-ok "imenu: %s" (mapconcat #'identity names ", ")))

;; xref: from \ref{thm:sq} to its \label.
(goto-char (point-min))
(search-forward "\\ref{thm:s")
(let* ((items (xref-backend-definitions 'eglot (xref-backend-identifier-at-point 'eglot)))
       (lines (mapcar (lambda (item) (xref-location-line (xref-item-location item))) items)))
  (unless (equal lines '(1)) (qed-fail "xref to \\label{thm:sq} gave lines %S" lines))
  (qed-ok "xref: \\ref{thm:sq} -> line %s" (car lines)))

;; Prove the lemma through workspace/executeCommand; the server inserts the proof with workspace/applyEdit.
(goto-char (point-min))
(search-forward "\\begin{lemma}")
(qed-expect-edit #'qed-nano-prove "the proof in the buffer" "\\end{lemma}\n\\begin{proof}\nSince $1 \\ge 1$, done.\n\\end{proof}")
(qed-ok "Prove inserted the proof")


;; The next step as a completion (eglot 1.9 has no inline completion): completion-at-point at the end of a
;; step inserts the one item the server offers.
(goto-char (point-min))
(search-forward "we get $n^2 \\ge n$,")
(qed-expect-edit #'completion-at-point "the next step in the buffer" "we get $n^2 \\ge n$, so the claim holds.")
(qed-ok "completion-at-point inserted the next step")

;; A Markdown file under the same entry: eglot 1.9 sends the entry's one language id ("latex"); the server
;; reads the file by its extension.
(find-file (qed-env "QED_EGLOT_MARKDOWN_FILE"))
(unless (eq major-mode 'markdown-mode) (qed-fail "the Markdown file opened in %s" major-mode))
(eglot-ensure)
(run-hooks 'post-command-hook)
(qed-wait "eglot managing the Markdown file" (lambda () (bound-and-true-p eglot--managed-mode)))
(let ((names (mapcar #'car (imenu--make-index-alist t))))
  (unless (cl-some (lambda (n) (and (stringp n) (string-match-p "Problem 1" n))) (flatten-tree (imenu--make-index-alist t)))
    (qed-fail "imenu of the Markdown file: %S" (imenu--make-index-alist t)))
  (qed-ok "Markdown imenu: %S" names))

(let ((server (eglot-current-server)))
  (eglot-shutdown server))
(princ "done\n")
(kill-emacs 0)
