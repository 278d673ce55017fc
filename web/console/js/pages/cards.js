// Placeholder until the 卡券 page lands (branch console-cards replaces this file).
import { h } from '../dom.js'

export default {
  id: 'cards',
  title: '卡券',
  roles: ['admin'],
  render (root) {
    root.appendChild(h('h1', {}, '卡券'))
    root.appendChild(h('p', { class: 'muted', 'data-testid': 'placeholder' }, '建设中'))
  }
}
