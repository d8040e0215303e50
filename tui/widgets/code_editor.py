"""The in-app editor of the learner's exercise file: Python highlighting, line numbers, ctrl+s saves, Esc leaves.

It shows the whole file, scrolled to the exercise's function: the check imports the whole file,
so an error anywhere in it must be visible and fixable here, and what is on screen is exactly
what is on disk once saved (no splicing of a fragment back into the file). The file on disk
stays the single source of truth: the editor remembers the fingerprint of what it loaded and
`save` reports a conflict instead of overwriting an edit made elsewhere meanwhile.

While the text differs from the file it is also kept on disk (engine.exercises.recovery), a
moment after typing stops, when the section is left, and when the app is told to end: a
dropped connection, a kill or a crash loses nothing, and the next visit offers it back.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static, TextArea

from engine.exercises import editing, recovery

from ..progress import CourseProgress
from .code_area import CodeArea

__all__ = ["CodeArea", "ExerciseEditor", "has_drafts"]

POLL_SECONDS = 2.0  # how often the file on disk is compared with what was loaded
KEEP_SECONDS = 0.5  # quiet typing before the unsaved edits are written to their recovery file
_DRAFTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # app -> its editors' unsaved edits


def has_drafts(app) -> bool:
    """Whether an editor left unsaved edits behind (its section was left; they come back when it reopens)."""
    return bool(_DRAFTS.get(app))


def discard_drafts(app) -> None:
    """The learner quits without saving: the edits of the sections left are dropped, recovery files too."""
    for path, (*_, exercise) in _DRAFTS.pop(app, {}).items():
        recovery.remove(Path(path), exercise)


class ExerciseEditor(Vertical):
    """One line saying what is being edited and whether it is saved, over the code itself."""

    DEFAULT_CSS = """
    ExerciseEditor { height: 20; min-height: 8; }
    ExerciseEditor #ed-info { height: auto; max-height: 3; color: $text-muted; }  /* a refusal says the way out whole */
    ExerciseEditor #ed-info.-dirty { color: $warning; }
    ExerciseEditor #ed-info.-bad { color: $error; }
    ExerciseEditor #ed-info.-good { color: $success; }
    ExerciseEditor CodeArea { height: 1fr; }
    """

    def __init__(self, function: str, course: CourseProgress | None = None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.course = course  # where the cursor was left is kept there, per exercise
        self.path: Path | None = None
        self._base = ""  # the text as last loaded or saved
        self._fingerprint: str | None = None  # of the file on disk when it was loaded or saved
        self._loaded = False
        self._disk_changed = False  # seen changed on disk while there were unsaved edits
        self._area: CodeArea | None = None  # made when the file is first loaded (see `area`)
        self._error = ""  # why the file cannot be edited here (then the editor is read-only)
        self._sticky = False  # the info line holds news (saved, reloaded, an error) until the next edit
        self._plain = ""  # why the text is shown without highlighting
        self._link = ""  # where the file really is, when its path is a symbolic link
        self._keep_timer: Timer | None = None
        self._keep_problem = ""  # why the edits could not be kept on disk (said once)
        self.recovered: recovery.Recovered | None = None  # found on disk, waiting for the learner's choice
        self.elsewhere: recovery.Recovered | None = None  # another window's unsaved edits to this exercise
        self._discarded = False
        self._deleted = False  # the file was deleted on disk while loaded here: the buffer is its only copy
        self._inode: tuple[int, int] | None = None  # of the file loaded or saved (another one: it was replaced)

    def compose(self) -> ComposeResult:
        yield Static("", id="ed-info", markup=False)

    def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self.poll, name="editor-poll")

    @property
    def area(self) -> CodeArea:
        """The code, made and mounted on first use: a highlighting TextArea costs ~140 ms to build, and
        most visits to a section never open its Exercise tab. Kept here: at unmount the child may
        already be gone from the DOM."""
        if self._area is None:
            # code_editor is a classmethod that builds cls(...); it is typed as returning a TextArea.
            self._area = cast(CodeArea, CodeArea.code_editor("", language="python", id="ed-code"))
            self._area.max_bytes = editing.MAX_EDIT_BYTES  # the largest file it opens is the largest it makes
            self.mount(self._area)
        return self._area

    @property
    def error(self) -> str:
        """Why the file cannot be edited here, with the way out ("" when it can)."""
        return self._error

    @property
    def dirty(self) -> bool:
        """Whether the text is not on disk: edited since loaded or saved, or its file deleted meanwhile."""
        return self._loaded and self._area is not None and (self._deleted or self._area.text != self._base)

    def replaced(self) -> bool:
        """Whether the file on disk is another one than the one loaded or saved (moved or copied over it)."""
        return self.path is not None and self._inode not in (None, editing.inode(self.path))

    # -- loading --------------------------------------------------------------------------------
    def attach(self, path: Path) -> str:
        """Edit `path`; then load it (see `sync`)."""
        if self.path != path:
            self.path, self._loaded = path, False
        return self.sync()

    def sync(self) -> str:
        """Bring the editor up to date with the file on disk, never discarding unsaved edits.

        Returns "loaded", "restored" (unsaved edits kept from an earlier visit), "recovered" (edits a
        window left when it ended are on disk: see `recovered`), "elsewhere" (a running window holds
        some), "reloaded" (changed on disk and nothing unsaved here), "unchanged", "conflict" (changed
        on disk and there are unsaved edits: a save will ask), "deleted" (the text here is kept, a
        save writes the file again) or "error".
        """
        path = self.path
        if path is None:
            return "error"
        if not self._loaded:
            draft = self._drafts().pop(str(path), None)
            if draft is None:
                outcome = self._load(path, "loaded")
                return self._look_for_recovered(path) if outcome == "loaded" else outcome
            text, self._base, self._fingerprint, exercise = draft
            self._set_text(text)
            self._loaded, outcome = True, "restored"
            self._disk_changed = editing.fingerprint(path) != self._fingerprint
            if exercise != self.function:  # another exercise's editor held them: this one keeps them now
                recovery.remove(path, exercise)
                self.keep_edits()
        elif (current := editing.fingerprint(path)) == self._fingerprint:
            self._disk_changed, outcome = False, "unchanged"
        elif current is None and self._fingerprint is not None:  # deleted: the text here is all there is
            deleted_now, outcome = not self._deleted, "deleted"
            self._deleted, self._disk_changed = True, False
            if deleted_now:
                self.keep_edits()
        elif not self.dirty:
            return self._load(path, "reloaded")
        else:
            self._disk_changed, outcome = True, "conflict"
        self.show_state()
        return outcome

    def _look_for_recovered(self, path: Path) -> str:
        """ "recovered" when unsaved edits of a window that ended are on disk, "elsewhere" when a window still
        running holds some, else "loaded"."""
        me = recovery.this_process()
        ended = []
        for found in recovery.found_for(path, self.function):  # the newest first
            if found.process == me:
                continue
            if recovery.alive(found.process):
                self.elsewhere = self.elsewhere or found
            elif found.text == self._base:  # saved after all (the app ended between the save and the clean-up)
                recovery.discard(found)
            else:
                ended.append(found)
        if ended:  # the newest is offered; an older one at the next visit
            self.recovered = ended[0]
            self.area.read_only = True  # until the learner chooses: typing here would replace them
            return "recovered"
        return "elsewhere" if self.elsewhere is not None else "loaded"

    def restore_recovered(self) -> None:
        """Put the recovered edits in the editor, unsaved; saving asks first if the file changed since."""
        found, self.recovered = self.recovered, None
        if found is None or self.path is None:
            return
        self.area.read_only = False
        self._fingerprint = found.base  # what the edits started from: a save compares the file with it
        self._disk_changed = editing.fingerprint(self.path) != found.base
        self._set_text(found.text)
        if self.course is not None:
            self.course.set_editor_cursor(self.function, found.cursor)
        recovery.discard(found)
        self.keep_edits()  # this window keeps them from now on
        self.show_state()

    def discard_recovered(self) -> None:
        if self.recovered is not None:
            recovery.discard(self.recovered)
        self.recovered = None
        self.area.read_only = bool(self._error)

    def _load(self, path: Path, outcome: str) -> str:
        loaded = editing.load(path)
        self._fingerprint, self._disk_changed = loaded.fingerprint, False
        self.area.read_only = bool(loaded.error) or self.recovered is not None
        self._base = loaded.text
        self._set_text(loaded.text)
        self._loaded, self._deleted, self._inode = True, False, editing.inode(path)
        self._error, self._link = loaded.error, loaded.link
        self.show_state()
        return "error" if loaded.error else outcome

    def reload(self, undoable: bool = False) -> None:
        """Show the file as it is on disk instead of the unsaved edits; `undoable`: as one edit that ctrl+z
        takes back (a file that cannot be shown here leaves the edits as they are)."""
        path = self.path
        if path is None:
            return
        loaded = editing.load(path)
        if not undoable or not self._loaded:
            self._load(path, "reloaded")
            recovery.remove(path, self.function)
            return
        if loaded.error:
            self.say(f"Not reloaded: {loaded.error}. Your edits are kept", "-bad", sticky=True)
            return
        area = self.area
        area.replace(loaded.text, (0, 0), area.document.end, maintain_selection_offset=True)
        self._base, self._fingerprint, self._disk_changed = loaded.text, loaded.fingerprint, False
        self._deleted, self._inode = False, editing.inode(path)

    def _set_text(self, text: str) -> None:
        area = self.area
        row = area.cursor_location[0]
        self._plain = editing.highlight_problem(text)
        language = None if self._plain else "python"
        if area.language != language:
            area.language = None  # before the text: highlighting a long one would be slow (see editing)
        area.load_text(text)
        if area.language != language:
            area.language = language
        if row:
            area.move_cursor((min(row, area.document.line_count - 1), 0))

    def poll(self) -> None:
        """Notice an edit made elsewhere: reload when nothing is unsaved here, else warn."""
        if not self._loaded or self.path is None or editing.fingerprint(self.path) == self._fingerprint:
            return
        if self.sync() == "reloaded":
            self.say(f"{self.path.name} changed on disk and was reloaded (nothing was unsaved here)", sticky=True)

    def _drafts(self) -> dict:
        """Unsaved edits (path -> text, base, fingerprint, exercise) kept while the learner visits another section."""
        return _DRAFTS.setdefault(self.app, {})

    def on_unmount(self) -> None:
        self.remember_cursor()
        if self.dirty and self.path is not None and not self._discarded:
            self._drafts()[str(self.path)] = (self.area.text, self._base, self._fingerprint, self.function)
            self.keep_edits()

    # -- keeping unsaved edits on disk -----------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()  # the question cards listen for Changed too; this one is ours
        if self._loaded and (self.dirty or not self._sticky):
            self.show_state()
        if self._loaded:
            if self._keep_timer is not None:
                self._keep_timer.stop()
            self._keep_timer = self.set_timer(KEEP_SECONDS, self.keep_edits)

    def keep_edits(self) -> None:
        """Write the unsaved edits to their recovery file now (remove it when there are none). Also called
        from a signal handler: it only writes a file."""
        if self._keep_timer is not None:
            self._keep_timer.stop()
            self._keep_timer = None
        path = self.path
        if path is None or not self._loaded or self._error or self.recovered is not None or self._discarded:
            return
        if not self.dirty:
            recovery.remove(path, self.function)
            return
        area = self.area
        try:
            recovery.write(path, self.function, area.text, self._fingerprint, area.cursor_location)
        except OSError as exc:
            problem = f"{recovery.folder()}: {exc.strerror or exc}"
            if problem != self._keep_problem:
                self._keep_problem = problem
                self.app.notify(
                    f"Your unsaved edits could not be kept on disk ({problem}); ctrl+s saves them.",
                    title="Unsaved edits",
                    severity="warning",
                    timeout=10,
                )

    def discard(self) -> None:
        """The learner quits without saving: nothing of this editor's edits is kept."""
        self._discarded = True
        if self.path is not None:
            recovery.remove(self.path, self.function)

    # -- saving ---------------------------------------------------------------------------------
    def save(self, *, force: bool = False) -> editing.Saved:
        """Write the text atomically; status "conflict" when the file changed on disk (unless `force`)."""
        if self.path is None or not self._loaded or self.area.read_only:
            return editing.Saved("error", message="nothing to save")
        text = self.area.text
        result = editing.save(self.path, text, self._fingerprint, force=force)
        if result.status == "saved":
            self._base, self._fingerprint, self._disk_changed = text, result.fingerprint, False
            self._deleted, self._inode = False, editing.inode(self.path)
            recovery.remove(self.path, self.function)
            self.say(f"Saved {self.path.name} · Esc, then c checks it", "-good", sticky=True)
        elif result.status == "error":
            self.say(f"Not saved: {result.message}.", "-bad", sticky=True)
        else:
            self._disk_changed = True
            self.show_state()
        return result

    # -- where and what -------------------------------------------------------------------------
    def focus_function(self) -> None:
        """Focus the code where the learner works: where they left the cursor in this exercise, else the
        function's first line still raising NotImplementedError, else its `def`; the `def` at the top when
        that line fits below it."""
        area = self.area
        text = area.text
        start = editing.function_line(text, self.function)
        remembered = self.course.editor_cursor(self.function) if self.course is not None else None
        if remembered is not None and remembered[0] < area.document.line_count:
            row, column = remembered
        else:
            row = editing.start_line(text, self.function) or 0
            line = area.document[row]
            column = len(line) - len(line.lstrip())
        area.move_cursor((row, column))
        height = max(5, area.size.height - 2 if area.size.height else self.size.height - 3)
        top = start if start is not None and start <= row < start + height else max(0, row - height // 3)
        area.scroll_to(y=top, animate=False, immediate=True)
        area.focus(scroll_visible=False)  # the pane scrolls it to the top itself (no animation to fight)

    def remember_cursor(self) -> None:
        if self.course is not None and self._area is not None and self._loaded and not self._error:
            self.course.set_editor_cursor(self.function, self._area.cursor_location)

    def on_descendant_blur(self, event) -> None:
        if event.widget is self._area:  # Esc, a dialog, another tab: this is where the learner was
            self.remember_cursor()

    def show_state(self) -> None:
        name = self.path.name if self.path else "exercises.py"
        if self._link:
            name += f" → {self._link} (a link: saving writes there)"
        if self._error:
            self.say(f"Cannot edit here: {self._error}.", "-bad", sticky=True)
        elif self._deleted:
            self.say(f"⚠ {name} was deleted outside the app: ctrl+s writes it again from here", "-bad")
        elif self._disk_changed and self.dirty:
            self.say(f"⚠ {name} changed on disk: ctrl+s asks to reload or overwrite", "-bad")
        elif self.dirty:
            self.say(f"{name} · unsaved edits (ctrl+s saves)", "-dirty")
        else:
            line = editing.function_line(self.area.text, self.function)
            where = f" · {self.function} at line {line + 1}" if line is not None else ""
            plain = f" · no highlighting ({self._plain}: it would slow typing)" if self._plain else ""
            self.say(f"{name} · saved{where}{plain}")

    def say(self, text: str, tone: str = "", *, sticky: bool = False) -> None:
        """Show `text` on the info line; a sticky one stays until the learner edits again."""
        self._sticky = sticky
        info = self.query_one("#ed-info", Static)
        info.remove_class("-dirty", "-bad", "-good")
        if tone:
            info.add_class(tone)
        info.update(text)

    def on_code_area_inserted(self, event: CodeArea.Inserted) -> None:
        """A paste: refused past the largest file edited here; past HIGHLIGHT_BYTES, no highlighting from now on."""
        event.stop()
        if event.refused:
            self.say(editing.paste_refusal(event.size), "-bad", sticky=True)
        elif not self._plain and event.size > editing.HIGHLIGHT_BYTES:  # else each key after it would lag
            self._plain, self.area.language = f"larger than {editing.size_text(editing.HIGHLIGHT_BYTES)}", None

    def on_code_area_refused(self, event: CodeArea.Refused) -> None:
        event.stop()
        self.app.bell()
        if self.recovered is not None:
            why = f"unsaved edits from {self.recovered.when()} were recovered: Esc, then e to restore or discard them"
        else:
            why = f"Cannot edit here: {self._error or 'the file is read-only'}. Esc leaves the editor"
        self.say(why[:1].upper() + why[1:] + ".", "-bad", sticky=True)
