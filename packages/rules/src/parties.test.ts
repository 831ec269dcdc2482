import { attributeOrders, MAX_ORDER_PARTIES } from './parties';

describe('attributeOrders', () => {
  test('one party per order, in the order of orderIds; agreeing repeats collapse', () => {
    expect(
      attributeOrders(
        ['o-2', 'o-1'],
        [
          { orderId: 'o-1', buyerId: 'b-1', sellerId: 's-1' },
          { orderId: 'o-2', buyerId: 'b-2', sellerId: 's-2' },
          { orderId: 'o-1', buyerId: 'b-1', sellerId: 's-1' },
        ],
      ),
    ).toEqual([
      { orderId: 'o-2', buyerId: 'b-2', sellerId: 's-2' },
      { orderId: 'o-1', buyerId: 'b-1', sellerId: 's-1' },
    ]);
  });

  test('an order whose facts disagree on buyer or seller is left out, not guessed', () => {
    const parties = attributeOrders(
      ['o-1', 'o-2', 'o-3'],
      [
        { orderId: 'o-1', buyerId: 'b-1', sellerId: 's-1' },
        { orderId: 'o-1', buyerId: 'b-1', sellerId: 's-9' },
        { orderId: 'o-2', buyerId: 'b-1', sellerId: 's-1' },
        { orderId: 'o-2', buyerId: 'b-7', sellerId: 's-1' },
        { orderId: 'o-3', buyerId: 'b-3', sellerId: 's-3' },
      ],
    );
    expect(parties).toEqual([{ orderId: 'o-3', buyerId: 'b-3', sellerId: 's-3' }]);
  });

  test('a fact without buyer or seller says nothing; an order known only from such facts is left out', () => {
    const parties = attributeOrders(
      ['o-1', 'o-2'],
      [
        { orderId: 'o-1', buyerId: 'b-1', sellerId: undefined },
        { orderId: 'o-1', buyerId: 'b-1', sellerId: 's-1' },
        { orderId: 'o-2', buyerId: 'b-2', sellerId: '' },
        { orderId: 'o-2', buyerId: undefined, sellerId: 's-2' },
      ],
    );
    expect(parties).toEqual([{ orderId: 'o-1', buyerId: 'b-1', sellerId: 's-1' }]);
  });

  test('never names an order the suspicion does not, nor an empty order id', () => {
    expect(
      attributeOrders(
        ['o-1'],
        [
          { orderId: 'o-9', buyerId: 'b-1', sellerId: 's-1' },
          { orderId: '', buyerId: 'b-1', sellerId: 's-1' },
        ],
      ),
    ).toEqual([]);
  });

  test('capped at the contract maximum', () => {
    const ids = Array.from({ length: MAX_ORDER_PARTIES + 5 }, (_, i) => `o-${i}`);
    const parties = attributeOrders(
      ids,
      ids.map((orderId) => ({ orderId, buyerId: 'b', sellerId: 's' })),
    );
    expect(parties).toHaveLength(MAX_ORDER_PARTIES);
    expect(parties[0]!.orderId).toBe('o-0');
  });
});
