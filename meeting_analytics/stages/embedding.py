"""Resemblyzer's GE2E speaker encoder as a pyannote.audio ``Model``, so pyannote's own
``SpeakerDiarization`` pipeline (segmentation, embedding, clustering) runs it unchanged.

The network and preprocessing follow Resemblyzer 0.1.4 (3-layer LSTM over 40 power-mel frames,
1.6 s partial windows averaged and L2-normalised); the weights are the ones it ships. It runs on
torch alone (no librosa), takes pyannote's frame masks, and embeds only the masked speech.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pyannote.audio import Model
from torch import nn

SAMPLE_RATE = 16_000
N_MELS = 40
HOP = 160  # 10 ms
PARTIAL_FRAMES = 160  # 1.6 s
PARTIAL_STEP = 77  # Resemblyzer's rate of 1.3 partials per second
MIN_FRAMES = 40  # under 0.4 s of speech the embedding is noise: report NaN, pyannote skips it
TARGET_DBFS = -30.0


class ResemblyzerEmbedding(Model):
    def __init__(self, checkpoint: str | Path | None = None, sample_rate: int = SAMPLE_RATE):
        super().__init__(sample_rate=sample_rate, num_channels=1)
        self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, 256)
        if checkpoint is None:
            from ..weights import resemblyzer_checkpoint

            checkpoint = resemblyzer_checkpoint()
        state = torch.load(str(checkpoint), map_location="cpu", weights_only=True)["model_state"]  # data, never code
        self.load_state_dict({k: v for k, v in state.items() if k.startswith(("lstm.", "linear."))}, strict=False)
        import torchaudio

        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=SAMPLE_RATE, n_fft=400, win_length=400, hop_length=HOP, n_mels=N_MELS,
            power=2.0, norm="slaney", mel_scale="slaney", pad_mode="constant", center=True)
        self.checkpoint = str(checkpoint)
        self.eval()

    @property
    def dimension(self) -> int:
        return 256

    def _partials(self, wav: torch.Tensor) -> torch.Tensor | None:
        if wav.numel() < MIN_FRAMES * HOP:
            return None
        power = wav.pow(2).mean()
        if power > 0:
            gain_db = TARGET_DBFS - 10 * torch.log10(power)
            if gain_db > 0:  # Resemblyzer only raises the volume
                wav = wav * 10 ** (gain_db / 20)
        mel = self.mel(wav).T  # (frames, n_mels), power mel as Resemblyzer uses (no log)
        n = mel.shape[0]
        if n < MIN_FRAMES:
            return None
        if n < PARTIAL_FRAMES:
            mel = F.pad(mel, (0, 0, 0, PARTIAL_FRAMES - n))
            n = PARTIAL_FRAMES
        starts = list(range(0, n - PARTIAL_FRAMES + 1, PARTIAL_STEP))
        if n - (starts[-1] + PARTIAL_FRAMES) > PARTIAL_FRAMES // 4:
            starts.append(n - PARTIAL_FRAMES)
        return torch.stack([mel[s : s + PARTIAL_FRAMES] for s in starts])

    # pyannote's Model.forward takes **kwargs; its embedding models (WeSpeaker too) take weights= only
    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:  # type: ignore[override]
        """waveforms (batch, 1, samples); weights (batch, frames) speaker activity -> (batch, 256)."""
        batch, _, num_samples = waveforms.shape
        partials, owners = [], []
        for b in range(batch):
            wav = waveforms[b, 0]
            if weights is not None:
                mask = F.interpolate(weights[b][None, None].float(), size=num_samples, mode="nearest")[0, 0]
                wav = wav[mask > 0.5]
            p = self._partials(wav)
            if p is not None:
                partials.append(p)
                owners += [b] * len(p)
        out = torch.full((batch, self.dimension), float("nan"), device=waveforms.device)
        if not partials:
            return out
        _, (hidden, _) = self.lstm(torch.cat(partials))
        embeds = F.normalize(F.relu(self.linear(hidden[-1])), dim=1)
        owner = torch.tensor(owners, device=waveforms.device)
        sums = torch.zeros_like(out).index_add_(0, owner, embeds)
        present = torch.unique(owner)
        out[present] = F.normalize(sums[present], dim=1)
        return out


def embed_audio(model: ResemblyzerEmbedding, audio: np.ndarray) -> np.ndarray:
    """One embedding for a whole (single-speaker) waveform."""
    with torch.inference_mode():
        return model(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None, None])[0].numpy()
