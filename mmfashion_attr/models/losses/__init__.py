from .attribute_triplet_loss import AttributeTripletLoss

__all__ = ['AttributeTripletLoss']
