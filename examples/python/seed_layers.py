# The seed notebook's layer cells as they are (Deep Learning from Scratch, ch. 5), bugs included:
# Relu.backward writes into dout, and SoftmaxWithLoss spells forward 'foward' and calls softmax and
# cross_entropy_error without importing them. numpy is imported up front, as a cell does before Sigmoid uses it; the cells' prints are left out.
import numpy as np


class MulLayer:
    def __init__(self):
        # 초기화, 순전파 시의 입력값을 유지하기 위해 사용
        self.x = None
        self.y = None
    
    def forward(self, x, y):
        # x, y를 인수로 받고 두 값을 곱해서 반환
        self.x = x
        self.y = y
        out = x * y
        
        return out
    
    def backward(self, dout):
        # 상류에서 넘어온 미분(dout)에 순전파 때의 값을 '서로 바꿔 곱한 후' 하류로 흘림
        dx = dout * self.y
        dy = dout * self.x
        
        return dx, dy


class AddLayer:
    def __init__(self):
        # 덧셈 계층에서는 초기화가 필요 없으므로 __init__()은 아무 일도 하지 않음
        pass
    
    def forward(self, x, y):
        # 단순하게 두 숫자를 더해서 반환
        out = x + y
        return out
    
    def backward(self, dout):
        # 상류층에서 내려온 미분(dout)을 그대로 하류로 흘림
        dx = dout * 1
        dy = dout * 1
        return dx, dy


class Relu:
    def __init__(self):
        self.mask = None
    
    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        
        return out
    
    def backward(self, dout):
        dout[self.mask] = 0
        dx = dout
        
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None
        
    def forward(self, x):
        out = 1 / (1 + np.exp(-x))
        self.out = out
        
        return out
    
    def backward(self, dout):
        dx = dout * (1.0 - self.out) * self.out
        
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None
        
    def forward(self, x):
        self.x = x
        out = np.dot(x, self.W) + self.b
        
        return out
    
    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None # 손실
        self.y = None # 소프트 맥스의 출력
        self.t = None # 정답 레이블
        
    def foward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss
    
    def backward(self, dout = 1):
        batch_size = self.t.shape[0]
        dx = (self.y - self.t) / batch_size
        
        return dx
