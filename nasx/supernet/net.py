"""Supernet: one module holding a search space's largest weights; any point's network is a slice of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from nasx.arch.codec import encode
from nasx.arch.spec import ArchSpec
from nasx.supernet.kernels import identity_transforms, transform_name, transformed
from nasx.supernet.largest import largest_tensors
from nasx.supernet.skeleton import layout, skeleton
from nasx.supernet.slots import crop, not_a_point, tensor_name

Point = dict[str, Any] | ArchSpec


def full_scale(spec: ArchSpec) -> ArchSpec:
    """The identity shrink: the supernet serves the full-scale networks."""
    return spec


class Supernet(nn.Module):
    """The weights of every point of `space`, shared: a point's network takes, slot by slot, the first
    channels and layers and the centre of the kernels of the largest tensors (nasx.supernet.slots).

    `shrink` maps a full-scale point to the network trained (a search's proxy shrink; default: full scale).
    `kernel_transform`: Once-for-All's learned transform of a cropped kernel (nasx.supernet.kernels).
    Tensors are registered under their supernet keys with '/' for '.'; BN statistics are buffers.
    """

    def __init__(
        self, space, shrink: Callable[[ArchSpec], ArchSpec] = full_scale, *, kernel_transform: bool = False
    ) -> None:
        super().__init__()
        blocker = space.weight_sharing_blocker()
        if blocker:
            raise ValueError(blocker)
        self.space, self.shrink = space, shrink
        shapes = {}
        for key, (tensor, is_param) in largest_tensors(space, shrink).items():
            name = tensor_name(key)
            if is_param:
                self.register_parameter(name, nn.Parameter(tensor))
            else:
                self.register_buffer(name, tensor)
            shapes[name] = tensor.shape
        self.kernel_transforms = identity_transforms(shapes) if kernel_transform else None

    def resolve(self, point: Point) -> tuple[ArchSpec, tuple[str, ...]]:
        """(network trained, slots of its stages) of a point: its values, or its full-scale ArchSpec."""
        if isinstance(point, ArchSpec):
            try:
                values = self.space.params_of(point)
            except ValueError:
                raise not_a_point(f"{encode(point)} is not in space {self.space.name}") from None
            full = point
        else:
            try:
                values = self.space.values_from(point)
                full = self.space.generate(values)
            except ValueError as exc:
                raise not_a_point(str(exc)) from None
        return self.shrink(full), self.space.stage_slots(values, full)

    def sliced(self, spec: ArchSpec, slots: tuple[str, ...]) -> dict[str, torch.Tensor]:
        """The state of `spec`'s network (its state_dict keys) as slices of the supernet's tensors: views,
        so gradients and BN statistics reach the supernet; a transformed kernel is a new tensor."""
        out = {}
        for key, big, shape in layout(spec, slots):
            name = tensor_name(big)
            tensor: torch.Tensor | None = self._parameters.get(name)
            tensor = self._buffers.get(name) if tensor is None else tensor
            if tensor is None:
                raise not_a_point(f"{big} is not in the supernet")
            part = crop(tensor, shape, big)
            if self.kernel_transforms is not None and part.dim() == 4 and part.shape[2] < tensor.shape[2]:
                matrix = self.kernel_transforms.get(transform_name(name, part.shape[2]))
                part = part if matrix is None else transformed(part, matrix)
            out[key] = part
        return out

    def largest(self) -> list[tuple[ArchSpec, tuple[str, ...]]]:
        """(network, slots) of the space's largest points, shrunk; together they use every supernet tensor
        whole (compound's is not a point: run it with `run`)."""
        points = self.space.largest_points()
        return [(self.shrink(full), self.space.stage_slots(values, full)) for values, full in points]

    def forward(self, x: torch.Tensor, point: Point) -> torch.Tensor:
        """The network of `point` on `x`, in this module's mode (training: BN statistics update the slices)."""
        return self.run(x, *self.resolve(point))

    def run(self, x: torch.Tensor, spec: ArchSpec, slots: tuple[str, ...]) -> torch.Tensor:
        """The network `spec` (shrunk already), its stages in `slots`, on `x`."""
        net = skeleton(spec).train(self.training)
        return functional_call(net, self.sliced(spec, slots), (x,), strict=True)

    def extract(self, point: Point) -> nn.Module:
        """A standalone `build_model` network of `point` holding copies of its inherited weights."""
        return self.standalone(*self.resolve(point))

    def standalone(self, spec: ArchSpec, slots: tuple[str, ...]) -> nn.Module:
        """A standalone `build_model` network `spec` (shrunk already), its stages in `slots`, holding copies
        of its slices (also for a network that is not a point, such as compound's largest)."""
        model = copy.deepcopy(skeleton(spec))  # on meta, no initialisation: every tensor is assigned below
        with torch.no_grad():
            state = {key: part.detach().clone() for key, part in self.sliced(spec, slots).items()}
        model.load_state_dict(state, strict=True, assign=True)
        return model.train()  # as build_model returns it (the cached skeleton takes the supernet's mode)
