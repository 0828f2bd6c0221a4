// Progress for a job page (server-sent events), the report's frame as tall as the report, and on the
// upload form: drag-and-drop, and a kind of recording filling in its presets under "Advanced".
"use strict";

function watchJob(box) {
  const id = box.dataset.id;
  if (!window.EventSource || box.dataset.status === "done" || box.dataset.status === "failed") return;
  const source = new EventSource(`/api/jobs/${encodeURIComponent(id)}/events`);
  source.onmessage = (message) => {
    const job = JSON.parse(message.data);
    const overall = document.getElementById("overall");
    if (overall) overall.value = job.progress;
    const percent = document.getElementById("percent");
    if (percent) percent.textContent = `${Math.floor(job.progress * 100)}%`;
    const stage = document.getElementById("stage");
    const label = job.stage && document.querySelector(`label[for="stage-${job.stage}"]`);
    if (stage) stage.textContent = label ? label.textContent : "";
    for (const [name, value] of Object.entries(job.stages)) {
      const bar = document.getElementById(`stage-${name}`);
      if (bar) { bar.value = value; bar.textContent = `${Math.floor(value * 100)}%`; }
    }
    const status = document.getElementById("status");
    status.textContent = job.status;
    status.className = `status ${job.status}`;
    if (job.status === "done" || job.status === "failed") {
      source.close();
      window.location.reload();
    }
  };
}

function dropUpload(form) {
  const drop = document.getElementById("drop");
  const input = document.getElementById("f-file");
  const say = document.getElementById("upload-status");
  for (const kind of ["dragenter", "dragover"]) {
    drop.addEventListener(kind, (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  }
  for (const kind of ["dragleave", "drop"]) {
    drop.addEventListener(kind, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer.files.length) {
      input.files = ev.dataTransfer.files;
      say.textContent = `${ev.dataTransfer.files[0].name} ready to upload`;
    }
  });
  form.addEventListener("submit", (ev) => {
    if (!input.files.length) return;
    ev.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", "/api/jobs");
    request.upload.onprogress = (p) => {
      if (p.lengthComputable) say.textContent = `uploading ${Math.floor(100 * p.loaded / p.total)}%`;
    };
    request.onload = () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (err) { body = {}; }
      if (request.status === 201) window.location.href = `/jobs/${encodeURIComponent(body.id)}`;
      else say.textContent = `upload refused: ${body.error || request.status}`;
    };
    request.onerror = () => { say.textContent = "upload failed: the server did not answer"; };
    say.textContent = "uploading";
    request.send(new FormData(form));
  });
}

// The frame's height follows the report's (charts load, the window narrows): one scroll, the page's.
function fitReport(frame) {
  const fit = () => {
    const root = frame.contentDocument && frame.contentDocument.documentElement;
    if (!root) return;
    const bar = root.scrollWidth > root.clientWidth ? 20 : 0;  // room for a horizontal scroll bar
    frame.style.height = `${Math.ceil(root.getBoundingClientRect().height) + bar}px`;  // its content, not its box
  };
  const watch = () => {
    fit();
    const doc = frame.contentDocument;
    if (doc && doc.documentElement && window.ResizeObserver) new ResizeObserver(fit).observe(doc.documentElement);
  };
  frame.addEventListener("load", watch);
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") watch();
}

// A kind's presets (data-presets) in the fields they set; a field no kind presets keeps its value.
function kindPresets(form) {
  const radios = [...form.querySelectorAll("input[name=kind]")];
  const presets = new Map(radios.map((r) => [r, JSON.parse(r.dataset.presets || "{}")]));
  const names = new Set([...presets.values()].flatMap((p) => Object.keys(p)));
  const apply = (radio) => {
    const chosen = presets.get(radio);
    for (const name of names) {
      const field = form.elements[name];
      if (field) field.value = name in chosen ? chosen[name] : field.defaultValue;
    }
  };
  for (const radio of radios) radio.addEventListener("change", () => { if (radio.checked) apply(radio); });
  const checked = radios.find((r) => r.checked);
  if (checked) apply(checked);
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("job");
  if (box) watchJob(box);
  const frame = document.getElementById("report");
  if (frame) fitReport(frame);
  const form = document.getElementById("upload");
  if (form) { dropUpload(form); kindPresets(form); }
});
